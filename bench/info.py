"""Home feed benchmark: GET /api/mp/home (alerts, weather, my street's notices, activities) under gunicorn
(2 workers), against /bench/ping — a JSON endpoint that does no work — measured in the same run.

    python -m bench.info [--residents 200] [--seconds 8] [--threads 8] [--latency-requests 500]

On the database of DATABASE_URL (a temporary database on that server) with the Redis of REDIS_URL — the
targets (p95 ≤ 30 ms, ≥ 50 % of the trivial endpoint's throughput) are for PostgreSQL + Redis — else on
a temporary SQLite database without Redis. The demo data is loaded (flask seed-demo) and the weather cache
filled from the fake QWeather server on loopback; residents live in every street (a tenth with no street).
All traffic goes to 127.0.0.1; every loop is bounded in requests and seconds."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid

from bench.common import percentile, prepare_database, scratch_database
from bench.load import BENCH_SECRET_KEY, _request, http_throughput, start_gunicorn, stop_gunicorn, warm_up

STREETS = ["dongshan", "moling", "tangshan", "chunhua", "lukou", "jiangning", "guli", "hushu", "hengxi", "qilin"]


def _settings_env(database_url: str, redis_url: str, prefix: str) -> dict:
    return {"APP_ENV": "development", "SECRET_KEY": BENCH_SECRET_KEY, "DATABASE_URL": database_url,
            "REDIS_URL": redis_url, "REDIS_PREFIX": prefix}


def prepare(database_url: str, redis_url: str, prefix: str, residents: int) -> list[dict]:
    """Migrates and seeds, fills the weather cache from the fake provider, makes residents; returns their headers."""
    from backend.app import create_app
    from backend.core.security import issue_token
    from backend.directory.service import get_street_by_code
    from backend.extensions import db
    from backend.info.weather import service as weather
    from backend.residents.models import Resident
    from backend.settings import Settings
    from integrations.weather.fake_server import FakeQWeatherServer
    from integrations.weather.qweather import QWeatherClient

    env = _settings_env(database_url, redis_url, prefix)
    prepare_database({**os.environ, **env})
    app = create_app(Settings.from_env(env))
    headers = []
    with FakeQWeatherServer() as fake, app.app_context():
        app.extensions["weather"] = QWeatherClient(fake.url, fake.key)
        outcome = weather.refresh()
        assert set(outcome.values()) == {"ok"}, outcome
        streets = {code: get_street_by_code(code=code) for code in STREETS}
        for number in range(residents):
            resident = Resident(openid=f"bench-{uuid.uuid4().hex}", nickname=f"居民{number}")
            if number % 10:
                street = streets[STREETS[number % len(STREETS)]]
                resident.street = street
                resident.community = street.communities[number % len(street.communities)] if street.communities else None
            db.session.add(resident)
            db.session.flush()
            token, _ = issue_token("resident", resident.id)
            headers.append({"Authorization": f"Bearer {token}"})
        db.session.commit()
        db.engine.dispose()
    return headers


def sequential_latency(port: int, count: int, headers: list[dict]) -> list[float]:
    """Milliseconds of `count` home requests sent one after another (a new connection each, as the load does)."""
    timings = []
    for number in range(count):
        started = time.perf_counter()
        status, body, _ = _request(port, "/api/mp/home", headers=headers[number % len(headers)])
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"/api/mp/home answered {status}: {body[:200]!r}")
    return timings


def run(args) -> dict:
    """Prepares a database, starts gunicorn and prints the figures; returns them."""
    redis_url = os.environ.get("REDIS_URL", "")
    label = ("PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite") + \
        (" + Redis" if redis_url else "（无 Redis）")
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    with scratch_database() as url:
        headers = prepare(url, redis_url, prefix, args.residents)
        server = start_gunicorn(url, workers=2, redis_url=redis_url, extra_env={"REDIS_PREFIX": prefix})
        try:
            warm_up(server.port, ["/api/mp/home"], workers=2, headers=headers)
            sample = json.loads(_request(server.port, "/api/mp/home", headers=headers[1])[1])
            latency = sequential_latency(server.port, args.latency_requests, headers)
            trivial = http_throughput(server.port, ["/bench/ping"], seconds=args.seconds, threads=args.threads)
            home = http_throughput(server.port, ["/api/mp/home"], seconds=args.seconds, threads=args.threads,
                                   headers=headers)
            profile = http_throughput(server.port, ["/api/mp/me"], seconds=args.seconds, threads=args.threads,
                                      headers=headers)
            trivial_after = http_throughput(server.port, ["/bench/ping"], seconds=args.seconds, threads=args.threads)
        finally:
            stop_gunicorn(server)
            _clear_redis(redis_url, prefix)
    ping_rps = (trivial["rps"] + trivial_after["rps"]) / 2
    ratio = home["rps"] / ping_rps if ping_rps else 0.0
    p50, p95, p99 = (percentile(latency, pct) for pct in (50, 95, 99))
    print(f"[{label}] 首页示例：街道 {sample['street']}，天气 {sample['weather']['place']['name']}"
          f"（stale={sample['weather']['stale']}），公告 {len(sample['notices']['items'])} 条")
    print(f"[{label}] GET /api/mp/home 逐个请求 {len(latency)} 次（每次新连接，{args.residents} 个居民轮流）："
          f"p50 {p50:.1f} ms，p95 {p95:.1f} ms，p99 {p99:.1f} ms（目标 p95 ≤ 30 ms）")
    print(f"[{label}] gunicorn 2 workers，{args.threads} 个并发客户端线程（同机），各 {args.seconds:.0f} s：")
    print(f"[{label}]   /bench/ping（基线，前后两次）：{trivial['rps']:.0f} / {trivial_after['rps']:.0f} req/s"
          f"（错误 {trivial['errors'] + trivial_after['errors']}）")
    print(f"[{label}]   /api/mp/home：{home['rps']:.0f} req/s（错误 {home['errors']}），比值 {ratio:.0%}（目标 ≥ 50%）；"
          f"负载 {os.getloadavg()[0]:.1f}（{os.cpu_count()} 核）")
    print(f"[{label}]   参考：/api/mp/me（居民令牌 + 读一次资料）：{profile['rps']:.0f} req/s，"
          f"比值 {profile['rps'] / ping_rps if ping_rps else 0:.0%}", flush=True)
    return {"p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "ping_rps": ping_rps, "home_rps": home["rps"],
            "home_errors": home["errors"], "ratio": ratio, "me_rps": profile["rps"]}


def _clear_redis(url: str, prefix: str) -> None:
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=prefix + "*", count=500))
    if keys:
        client.delete(*keys)


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints every figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--latency-requests", type=int, default=500)
    args = parser.parse_args(argv)
    print(json.dumps(run(args), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
