"""bench/chat: /api/mp/chat round trip vs calling Rasa's webhook directly, in the same run.

Starts a backend (gunicorn, 2 workers) on a scratch database, the action server and Rasa with the
trained model, then sends the same realistic messages both ways, sequentially (one resident
typing at a time, which is what latency means to a resident). Prints p50/p95/p99 of each, the
backend's overhead, the last training time and Rasa's resident memory.
Usage: python -m bench.chat [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from pathlib import Path

import requests

from bench.common import ROOT, gunicorn, prepare_database, scratch_database, summary
from tests.bot_stack import BotStack, free_port

MESSAGES = [
    "你好", "宝宝刚出生怎么上户口", "那要带什么材料", "要多久能办好", "身份证丢了咋补办", "在哪里办",
    "谢谢", "今天天气怎么样", "我要投诉", "我的投诉处理得怎么样了", "医保怎么交", "低保怎么申请",
    "公积金能取出来吗", "再见", "能帮我做什么", "😀",
]


def _resident_token(env: dict) -> str:
    from backend.app import create_app
    from backend.core.security import issue_token
    from backend.extensions import db
    from backend.residents.models import Resident
    from backend.settings import Settings

    app = create_app(Settings.from_env(env))
    with app.app_context():
        resident = Resident(openid="bench-" + uuid.uuid4().hex, nickname="压测居民")
        db.session.add(resident)
        db.session.commit()
        token, _ = issue_token("resident", resident.id)
        db.engine.dispose()
    return token


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=12, help="passes over the message list")
    args = parser.parse_args()
    with scratch_database() as database_url:
        port = free_port()
        env = {**os.environ, "APP_ENV": "test", "SECRET_KEY": uuid.uuid4().hex * 2, "DATABASE_URL": database_url,
               "BOT_SERVICE_TOKEN": "bench-" + uuid.uuid4().hex, "PYTHONPATH": str(ROOT)}
        prepare_database(env)
        backend_url = f"http://127.0.0.1:{port}"
        with BotStack(backend_url, env["BOT_SERVICE_TOKEN"], Path("/tmp")) as stack:
            env.update(RASA_URL=stack.url, RASA_TOKEN=stack.token, RASA_TIMEOUT="10")
            token = _resident_token(env)
            with gunicorn(env, port):
                http = requests.Session()
                chat_url = f"{backend_url}/api/mp/chat"
                webhook = f"{stack.url}/webhooks/zhijian/webhook"
                headers = {"Authorization": f"Bearer {token}"}
                rasa_headers = {"Authorization": f"Bearer {stack.token}"}
                for text in MESSAGES:  # warm-up: first calls load lazily initialised parts
                    http.post(chat_url, json={"text": text}, headers=headers, timeout=30)
                via_backend, direct = [], []
                sender = "bench-direct-" + uuid.uuid4().hex[:6]
                for _ in range(args.rounds):
                    for text in MESSAGES:
                        # Interleaved, so both paths see the same machine load.
                        via_backend.append(_timed(lambda t=text: http.post(
                            chat_url, json={"text": t}, headers=headers, timeout=30).raise_for_status()))
                        direct.append(_timed(lambda t=text: http.post(
                            webhook, json={"sender": sender, "message": t}, headers=rasa_headers,
                            timeout=30).raise_for_status()))
                rasa_rss = _rss_mb(stack.processes[1].pid)
                actions_rss = _rss_mb(stack.processes[0].pid)
    print(summary("/api/mp/chat via backend", via_backend))
    print(summary("Rasa webhook directly", direct))
    overhead = statistics.fmean(via_backend) / statistics.fmean(direct) - 1
    print(f"backend overhead over direct webhook: {overhead * 100:.1f} % of mean latency (target ≤ 20 %)")
    print(f"Rasa server RSS: {rasa_rss:.0f} MB, action server RSS: {actions_rss:.0f} MB")
    seconds = ROOT / "bot" / "models" / ".train_seconds"
    print(f"last training time: {seconds.read_text().strip() + ' s' if seconds.exists() else 'not recorded'}")


if __name__ == "__main__":
    main()
