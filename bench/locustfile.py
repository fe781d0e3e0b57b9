"""One page hammered by every simulated user: the path and the account come from the
environment (LOAD_PATH, LOAD_EMAIL, LOAD_PASSWORD), set by ``bench.loadtest``."""

import os
import re

from locust import FastHttpUser, constant, task

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Visitor(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        email = os.environ.get("LOAD_EMAIL")
        if not email:
            return
        form = self.client.get("/login", name="login")
        token = TOKEN.search(form.text).group(1)
        self.client.post(
            "/login",
            data={"csrf_token": token, "email": email, "password": os.environ["LOAD_PASSWORD"]},
            name="login",
            allow_redirects=False,
        )

    @task
    def page(self) -> None:
        self.client.get(os.environ["LOAD_PATH"], name="page")
