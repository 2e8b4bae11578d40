"""`python -m backend.worker [--burst]`."""

import argparse
import logging

from backend.app import create_app
from backend.worker import runner


def main(argv: list[str] | None = None) -> None:
    """Starts the worker for the app configured by the environment."""
    parser = argparse.ArgumentParser(description="指尖政务 worker: outbox delivery and periodic jobs")
    parser.add_argument("--burst", action="store_true", help="process queued and due work once, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(name)s] %(message)s")
    app = create_app()
    runner.run(app, burst=args.burst)


if __name__ == "__main__":
    main()
