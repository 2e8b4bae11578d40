"""Starts the Rasa HTTP API on loopback with the right endpoints file.

Embedded (default): endpoints.yml — in-memory tracker and lock stores.
Production: when RASA_TRACKER_DB_URL (postgresql://user:pass@host:port/db) is set, endpoints.prod.yml
— SQL tracker store + Redis lock store; RASA_LOCK_REDIS_URL (redis://:pass@host:port/db) is then
required too, so several Rasa instances can share conversations safely. With RASA_TRACKER_LOGIN_DB
(an existing database on the same server) Rasa first connects there and creates the tracker database
if it is missing (the user needs CREATEDB); `make run` sets all three from DATABASE_URL and REDIS_URL.
"""
import argparse
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

BOT_DIR = Path(__file__).resolve().parent.parent


def production_env(tracker_db_url: str, lock_redis_url: str, login_db: str = "") -> dict:
    """The variables endpoints.prod.yml reads, taken apart from the two URLs (login_db "" = create nothing)."""
    db, redis = urlparse(tracker_db_url), urlparse(lock_redis_url)
    if db.scheme not in ("postgresql", "postgres") or not db.hostname or not db.path.strip("/"):
        raise ValueError("RASA_TRACKER_DB_URL must look like postgresql://user:password@host:5432/dbname")
    if redis.scheme != "redis" or not redis.hostname:
        raise ValueError("RASA_LOCK_REDIS_URL must look like redis://:password@host:6379/0")
    return {
        "RASA_TRACKER_DB_HOST": db.hostname,
        "RASA_TRACKER_DB_PORT": str(db.port or 5432),
        "RASA_TRACKER_DB_NAME": db.path.strip("/"),
        "RASA_TRACKER_DB_USER": unquote(db.username or ""),
        "RASA_TRACKER_DB_PASSWORD": unquote(db.password or ""),
        "RASA_LOCK_REDIS_HOST": redis.hostname,
        "RASA_LOCK_REDIS_PORT": str(redis.port or 6379),
        "RASA_LOCK_REDIS_DB": redis.path.strip("/") or "0",
        "RASA_LOCK_REDIS_PASSWORD": unquote(redis.password or ""),
        # Always set: Rasa refuses a ${VAR} of the endpoints file that is not.
        "RASA_TRACKER_LOGIN_DB": login_db,
    }


def main() -> int:
    """Chooses the endpoints file, checks RASA_TOKEN, and replaces this process with `rasa run`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="models/zhijian.tar.gz")
    parser.add_argument("--port", default=os.environ.get("RASA_PORT", "5005"))
    args = parser.parse_args()

    token = os.environ.get("RASA_TOKEN", "")
    if not token:
        print("error: set RASA_TOKEN (the backend sends it as ?token=... to the Rasa HTTP API)", file=sys.stderr)
        return 2
    env = dict(os.environ)
    env.setdefault("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")
    endpoints = "endpoints.yml"
    if env.get("RASA_TRACKER_DB_URL"):
        if not env.get("RASA_LOCK_REDIS_URL"):
            print("error: RASA_TRACKER_DB_URL is set but RASA_LOCK_REDIS_URL is not; several instances "
                  "sharing a tracker store need the Redis lock store", file=sys.stderr)
            return 2
        try:
            env.update(production_env(env["RASA_TRACKER_DB_URL"], env["RASA_LOCK_REDIS_URL"],
                                      env.get("RASA_TRACKER_LOGIN_DB", "")))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        endpoints = "endpoints.prod.yml"
    print(f"rasa: model {args.model}, endpoints {endpoints}, http://127.0.0.1:{args.port}", flush=True)
    rasa = str(Path(sys.executable).with_name("rasa"))
    command = [rasa, "run", "--model", args.model, "--endpoints", endpoints, "--credentials", "credentials.yml",
               "--enable-api", "--auth-token", token, "-i", "127.0.0.1", "-p", str(args.port)]
    os.chdir(BOT_DIR)
    os.execve(rasa, command, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
