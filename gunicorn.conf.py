"""gunicorn settings read from the working directory by every gunicorn started here (Procfile, benches)."""

import sys


def post_fork(server, worker):
    # A thread back from the database or WeChat waits for the GIL until the running thread is asked to
    # yield: 5 ms by default, several times per request under load. 1 ms keeps that wait short.
    sys.setswitchinterval(0.001)
