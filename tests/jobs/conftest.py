"""A real Celery worker (a separate process) on Redis, for tests that opt out of inline jobs.

Started once per session on a queue of its own (other runs may share the Redis database), against
this run's test database; stopped, and its queue's keys deleted, at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("REDIS_URL")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Worker:
    queue: str
    broker_url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def app_config(self) -> dict:
        """Overrides that send an app instance's jobs to this worker."""
        return {"JOBS_BACKEND": "celery", "CELERY_BROKER_URL": self.broker_url, "JOBS_QUEUE": self.queue}


def worker_environment(database_url: str, broker_url: str, queue: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEST_", "REDIS_", "CELERY_", "JOBS_", "MAIL_", "DATABASE_"))}
    env.update(APP_ENV="production", SECRET_KEY="test-secret", DATABASE_URL=database_url,
               CELERY_BROKER_URL=broker_url, JOBS_QUEUE=queue, PUBLIC_URL="http://portal.test",
               RATELIMIT_STORAGE_URI="memory://", **extra)
    return env


def start_worker(env: dict[str, str], log_path: Path, name: str) -> subprocess.Popen:
    command = [str(Path(sys.executable).with_name("celery")), "-A", "app.jobs.worker", "worker",
               "--pool=solo", "--concurrency=1", "-Q", env["JOBS_QUEUE"], "-n", f"{name}@%h",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
    handle = log_path.open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def delete_queue(broker_url: str, queue: str) -> None:
    import redis

    client = redis.Redis.from_url(broker_url)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()


@pytest.fixture(scope="session")
def celery_worker(database_url: str, _schema: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: the Celery worker is tested in CI's PostgreSQL pass")
    queue = f"tenantry-test-{uuid.uuid4().hex[:10]}"
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    process = start_worker(worker_environment(database_url, REDIS_URL, queue), log_path, queue)
    try:
        yield Worker(queue, REDIS_URL, process, log_path)
    finally:
        stop_worker(process)
        delete_queue(REDIS_URL, queue)
