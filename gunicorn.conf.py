"""gunicorn settings read from the working directory by every gunicorn started here (Procfile, benches)."""

import sys


def post_fork(server, worker):
    # A thread back from the database or WeChat waits for the GIL until the running thread is asked to
    # yield: 5 ms by default, several times per request under load. 1 ms keeps that wait short.
    sys.setswitchinterval(0.001)


# The longest request line gunicorn accepts (its maximum; the default is 4094). The app itself answers URLs longer
# than backend.core.edge.MAX_URL_BYTES (4096) with a JSON 414, so that window must reach past it; a request line
# beyond 8190 bytes is refused by gunicorn before the app runs, with its own plain 400.
limit_request_line = 8190
