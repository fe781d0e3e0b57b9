"""The production configuration as the load benchmark serves it: over plain HTTP on
loopback, so the session cookie may not be marked Secure."""

from config import ProductionConfig


class LoadConfig(ProductionConfig):
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
