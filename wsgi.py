"""WSGI entry point: ``gunicorn wsgi:app``; ``flask`` finds it on its own.

The configuration is named by LINKAGE_CONFIG, and must be: ``config.ProductionConfig`` in
production; ``make run`` sets ``config.DevelopmentConfig``. Nothing falls back to the
development configuration (debug pages, a known secret) when it is forgotten.
"""

import gc
import os
import sys

from funding.app import create_app

if not os.environ.get("LINKAGE_CONFIG"):
    sys.exit(
        "LINKAGE_CONFIG is not set: set it to config.ProductionConfig in production "
        "(or config.DevelopmentConfig on a development machine)."
    )
app = create_app(os.environ["LINKAGE_CONFIG"])
# What loading the app made lives as long as the process: frozen, the collector stops walking it
# on every full collection (pauses in pages that make many objects), and workers forked from a
# preloading server keep sharing its memory.
gc.freeze()
