"""One page hammered by every simulated user: the path and, for a signed-in page, the
session cookie come from the environment (LOAD_PATH, LOAD_COOKIE), set by ``bench.loadtest``."""

import os

from locust import FastHttpUser, constant, task


class Visitor(FastHttpUser):
    wait_time = constant(0)

    @task
    def page(self) -> None:
        cookie = os.environ.get("LOAD_COOKIE")
        headers = {"Cookie": cookie} if cookie else {}
        self.client.get(os.environ["LOAD_PATH"], name="page", headers=headers)
