"""Second-factor secrets are encrypted at rest, so a copy of the database (a backup, a replica,
a leaked dump) does not give away anyone's codes.

Fernet (AES-128-CBC with HMAC-SHA256) under keys derived from ``SECOND_FACTOR_KEY``: several keys
separated by spaces are allowed, the first encrypts and every one decrypts, so a new key can be
put in front while secrets stored under the old one still open.
"""

import base64
from functools import lru_cache

import sqlalchemy as sa
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


@lru_cache(maxsize=4)
def _box(setting: str) -> MultiFernet:
    keys = []
    for material in setting.split():
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"linkage second factor"
        ).derive(material.encode())
        keys.append(Fernet(base64.urlsafe_b64encode(derived)))
    return MultiFernet(keys)


def box() -> MultiFernet:
    """The keys of the running app's ``SECOND_FACTOR_KEY``."""
    return _box(current_app.config["SECOND_FACTOR_KEY"])


def seal(plain: str) -> str:
    return box().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    return _unseal(current_app.config["SECOND_FACTOR_KEY"], sealed)


@lru_cache(maxsize=1024)
def _unseal(setting: str, sealed: str) -> str:
    """Opened once per worker: every signed-in request loads its user, secret included, and
    checking the seal would otherwise cost more than the rest of reading a cached page."""
    return _box(setting).decrypt(sealed.encode()).decode()


class EncryptedString(sa.types.TypeDecorator):
    """A string column stored encrypted; the model reads and writes the plain value."""

    impl = sa.String(255)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else seal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else unseal(value)
