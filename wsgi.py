"""WSGI entry point: ``gunicorn wsgi:app``; ``flask`` finds it on its own.

The configuration comes from LINKAGE_CONFIG (default ``config.DevelopmentConfig``;
use ``config.ProductionConfig`` in production).
"""

import os

from funding.app import create_app

app = create_app(os.environ.get("LINKAGE_CONFIG", "config.DevelopmentConfig"))
