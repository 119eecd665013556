"""The baseline: what Python teams often write by hand instead of a webhook service.

A Celery app (Redis broker) whose task signs a webhook the Standard Webhooks way and POSTs it
with `requests`. The worker imports this module (`celery -A bench.celery_baseline worker`), so
it holds only the app and the task; the benchmark row is in `bench.baseline_row`.
"""

from __future__ import annotations

import os

import requests
from celery import Celery

from bench.payload import secret_key, signed_headers

BROKER_URL = os.environ.get("BENCH_CELERY_BROKER", "redis://127.0.0.1:6379/9")
QUEUE = "bench-webhooks"

app = Celery("bench_baseline", broker=BROKER_URL)
app.conf.update(
    task_default_queue=QUEUE,
    task_ignore_result=True,
    # Defaults a typical project keeps; results are not stored, as nobody reads them.
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

_session: requests.Session | None = None


def _http() -> requests.Session:
    # One keep-alive session per pool process: a fair (not naive) hand-written sender.
    global _session
    if _session is None:
        _session = requests.Session()
    return _session


@app.task(name="bench.deliver_webhook", bind=True, max_retries=3, default_retry_delay=1)
def deliver_webhook(self, url: str, secret: str, msg_id: str, body: str) -> None:  # type: ignore[no-untyped-def]
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("the baseline only delivers to 127.0.0.1")
    data = body.encode()
    try:
        response = _http().post(
            url, data=data, headers=signed_headers(secret_key(secret), msg_id, data), timeout=10
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        raise self.retry(exc=exc) from exc
