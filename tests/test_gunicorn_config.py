"""gunicorn.conf.py warns at startup when several workers would keep their limits per process."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _load_config() -> dict:
    """The config module's functions, without its import-time side effect on this process: it sets
    PROMETHEUS_MULTIPROC_DIR to a temp dir that a later gunicorn's on_exit removes, and /metrics in
    every test after that would read a directory that is gone."""
    saved = dict(os.environ)
    try:
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


warning_for = _load_config()["per_process_state_warning"]


def test_several_workers_without_redis_are_warned_about():
    warning = warning_for(4, {})
    assert warning and "4 workers without REDIS_URL" in warning and "rate limits" in warning


@pytest.mark.parametrize("environ", [{"REDIS_URL": "redis://cache:6379/0"},
                                     {"RATELIMIT_STORAGE_URI": "redis://cache:6379/1"}])
def test_shared_redis_or_one_worker_needs_no_warning(environ):
    assert warning_for(4, environ) is None
    assert warning_for(1, {}) is None


@pytest.mark.real_clock
def test_gunicorn_logs_the_warning_when_it_starts(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "RATELIMIT_STORAGE_URI")}
    env.update(WEB_CONCURRENCY="2", GUNICORN_BIND="127.0.0.1:0", PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
               SECRET_KEY="x" * 32, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                              stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = server.stderr.readline()
            if not line:
                break
            seen.append(line)
            if "workers without REDIS_URL" in line or "Booting worker" in line:
                break
    finally:
        server.terminate()
        server.wait(timeout=30)
    warned = [line for line in seen if "2 workers without REDIS_URL" in line]
    assert warned, "".join(seen)
    assert '"level": "WARNING"' in warned[0] or "WARNING" in warned[0]
