"""A real `python -m backend.worker` for tests: start it, wait for what it should do, stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_worker(env: dict, *args) -> subprocess.Popen:
    """The worker process with env on top of ours; its output is kept for assertion messages."""
    return subprocess.Popen([sys.executable, "-m", "backend.worker", *args], cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_until(process: subprocess.Popen, done: Callable[[], object], what: str, timeout: float,
               every: float = 0.2) -> None:
    """Polls done() until it is true; fails with `what` after timeout, or with the output if the worker died."""
    deadline = time.monotonic() + timeout
    while not done():
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline, what
        time.sleep(every)


@contextmanager
def running_worker(env: dict, *args):
    """A worker for the block; at its end SIGTERM must stop it cleanly (exit 0), else it is killed."""
    process = start_worker(env, *args)
    try:
        yield process
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
