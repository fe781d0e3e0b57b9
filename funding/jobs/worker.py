"""The worker process: ``huey_consumer funding.jobs.worker.huey`` (with ``LINKAGE_CONFIG``,
``DATABASE_URL`` and ``QUEUE_URL`` set as for the web workers)."""

import os

from funding.app import create_app

app = create_app(os.environ["LINKAGE_CONFIG"])
huey = app.extensions["jobs"].huey
