"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app` (docs/deploy.md).

Everything comes from the environment. The app writes its own access log (one JSON record per
request with request id, tenant and actor: app/web/logs.py), so gunicorn's is off unless
GUNICORN_ACCESS_LOG names a file or "-"; its format then carries the request id too.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY") or os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
# Proxies whose X-Forwarded-* gunicorn itself accepts; the app trusts TRUSTED_PROXIES hops (ProxyFix).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# gunicorn 27's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), which
# two servers on one machine would fight over: off unless GUNICORN_CONTROL_SOCKET names a path.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or "gunicorn.ctl"
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")

errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = ('%(h)s "%(r)s" %(s)s %(b)s %(M)sms req=%({x-request-id}o)s '
                     'ua="%(a)s"')

# gunicorn's own records (worker boots, timeouts) as JSON lines too, like the app's (app/web/logs.py).
if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.web.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        # Libraries' records: warnings and worse, as JSON too. The app's own loggers are set up by the app.
        "root": {"level": "WARNING", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }

# Prometheus multiprocess mode: every worker writes its counters here; /metrics reads them all.
# Set before the app (and prometheus_client) is imported in the workers.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="tenantry-metrics-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def per_process_state_warning(worker_count: int, environ=os.environ) -> str | None:
    """What goes wrong when several workers share no Redis, or None when nothing does.

    Without REDIS_URL the rate limits (sign-in, password reset, /api/v1/auth/token), the
    access-denied audit throttle and the search cache live in each worker's memory: with N workers
    a client gets N times the attempts, and one worker's cache is stale for another."""
    shared_limits = (environ.get("RATELIMIT_STORAGE_URI") or "").startswith(("redis://", "rediss://"))
    if worker_count <= 1 or environ.get("REDIS_URL") or shared_limits:
        return None
    return (f"{worker_count} workers without REDIS_URL: rate limits, the access-denied throttle and the "
            f"search cache are per process, so each limit is effectively {worker_count} times looser. "
            "Set REDIS_URL (or run one worker).")


def on_starting(server) -> None:
    """A fresh master starts with empty counters (files of a previous run would be summed in);
    and says so once, at startup, when the workers would not share their limits."""
    warning = per_process_state_warning(server.cfg.workers)
    if warning:
        server.log.warning(warning)
    os.makedirs(_metrics_dir, exist_ok=True)
    for name in os.listdir(_metrics_dir):
        path = os.path.join(_metrics_dir, name)
        if os.path.isfile(path):
            os.unlink(path)


def child_exit(server, worker) -> None:
    """Let the live-gauge files of a dead worker go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _metrics_dir.startswith(tempfile.gettempdir()) and "tenantry-metrics-" in _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
