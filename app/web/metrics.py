"""Prometheus metrics at `/metrics` (prometheus-flask-exporter).

Request latency by endpoint (`flask_http_request_duration_seconds`, by URL rule so tenant slugs
and ids do not explode the series), metered API calls and quota refusals by plan, and the job
queue's depth. Under gunicorn the workers share counters through PROMETHEUS_MULTIPROC_DIR
(gunicorn.conf.py sets it), so one scrape sees every worker.

Open under `make run`; in production only with `Authorization: Bearer $METRICS_TOKEN` (no token
configured: closed).
"""

from __future__ import annotations

import hmac
import logging
import os

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import inspect

log = logging.getLogger(__name__)


class JobQueueCollector:
    """Computed at scrape time: jobs waiting by status (database) and messages in the broker's queue."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (GaugeMetricFamily("tenantry_jobs", "Background jobs by status (done ones until pruned).",
                                  labels=["status"]),
                GaugeMetricFamily("tenantry_job_queue_depth", "Messages waiting in the broker's job queue.",
                                  labels=["queue"]))

    def describe(self):
        """What registering needs to know, without asking the database (it may not be there yet)."""
        return list(self._families())

    def collect(self):
        from app.jobs.depth import broker_queue_length, jobs_by_status

        jobs, broker = self._families()
        with self.app.app_context():
            try:
                for status, count in sorted(jobs_by_status().items()):
                    jobs.add_metric([status], count)
            except Exception:  # a scrape must answer even when the database does not
                log.warning("metrics: could not count jobs", exc_info=True)
            try:
                depth = broker_queue_length()
            except Exception:
                log.warning("metrics: could not read the broker's queue length", exc_info=True)
                depth = None
            if depth is not None:
                broker.add_metric([self.app.config["JOBS_QUEUE"]], depth)
        yield jobs
        yield broker


def plan_of(tenant) -> str:
    """The tenant's plan code without a database round trip (the object may be expired)."""
    if tenant is None:
        return "none"
    return str(inspect(tenant).dict.get("plan_code") or "unknown")


def _authorized() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        return current_app.config.get("ENV_NAME") != "production"
    header = request.headers.get("Authorization", "")
    return header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode())


def mark_public(reason: str):
    """Put a public-access declaration on a view registered outside a GuardedBlueprint."""
    from app.tenancy.routes import Access, AccessKind

    def decorate(view):
        view.access = Access(AccessKind.PUBLIC, reason=reason)
        return view

    return decorate


def init_metrics(app: Flask) -> None:
    if not app.config.get("METRICS_ENABLED", True):
        return
    from prometheus_flask_exporter import PrometheusMetrics

    multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    # A registry per app: the tests build many apps in one process, and each must count on its own.
    registry = CollectorRegistry(auto_describe=True)
    PrometheusMetrics(app, path=None, registry=registry, group_by="url_rule",
                      excluded_paths=["^/metrics$", "^/healthz$", "^/readyz$", "^/static/"])
    api_calls = Counter("tenantry_api_calls", "Metered API calls by plan and outcome (admitted or refused).",
                        ["plan", "outcome"], registry=registry)
    queue = JobQueueCollector(app)
    if not multiprocess:
        registry.register(queue)
    app.extensions["metrics"] = {"registry": registry, "api_calls": api_calls}

    @app.after_request
    def count_metered_call(response):
        result = g.get("quota_result")
        if result is not None:
            api_calls.labels(plan_of(g.get("tenant")), "admitted" if result.allowed else "refused").inc()
        return response

    # Declared public: it checks its own scrape token (_authorized) and answers 404 otherwise.
    @mark_public(reason="Prometheus scrapes with the METRICS_TOKEN bearer (required in production)")
    @app.get("/metrics")
    def metrics() -> Response:
        if not _authorized():
            abort(404)  # do not even say there is something here
        if multiprocess:
            from prometheus_client import multiprocess as pc_multiprocess

            scrape = CollectorRegistry()
            pc_multiprocess.MultiProcessCollector(scrape)
            scrape.register(queue)
        else:
            scrape = registry
        return Response(generate_latest(scrape), headers={"Content-Type": CONTENT_TYPE_LATEST})

    from app.extensions import csrf, limiter

    csrf.exempt(metrics)
    limiter.exempt(metrics)
