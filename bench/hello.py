"""The reference for the load benchmark: the smallest Flask app, under the same server."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
