"""The task registry: `@task("name", ...)` declares a job handler and, optionally, its schedule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from app.services.errors import DomainError


@dataclass(frozen=True)
class Every:
    """Run every `seconds` seconds (beat)."""

    seconds: float


@dataclass(frozen=True)
class Daily:
    """Run once a day at `hour`:`minute` UTC (beat)."""

    hour: int = 0
    minute: int = 0


def every(interval: timedelta | float) -> Every:
    """A schedule: every `interval` (a timedelta or seconds)."""
    seconds = interval.total_seconds() if isinstance(interval, timedelta) else float(interval)
    return Every(seconds)


def daily(hour: int = 0, minute: int = 0) -> Daily:
    """A schedule: once a day at this UTC time."""
    return Daily(hour, minute)


@dataclass(frozen=True)
class TaskSpec:
    """A registered task: the handler and how failures are retried."""

    name: str
    func: Callable[..., object]
    max_retries: int
    backoff: float          # seconds before the first retry; doubled for each one after
    backoff_max: float      # never wait longer than this between tries
    schedule: Every | Daily | None
    # A DomainError means the job asks for something the rules refuse: trying again cannot help.
    give_up_on: tuple[type[BaseException], ...]

    @property
    def max_attempts(self) -> int:
        return self.max_retries + 1

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt` + 1 (after `attempt` failed tries)."""
        return min(self.backoff_max, self.backoff * 2 ** max(0, attempt - 1))


TASKS: dict[str, TaskSpec] = {}


def task(name: str, *, max_retries: int = 5, backoff: float = 30.0, backoff_max: float = 3600.0,
         schedule: Every | Daily | None = None,
         give_up_on: tuple[type[BaseException], ...] = (DomainError,)) -> Callable:
    """Register `func` as the handler of jobs called `name` (keyword arguments only, JSON values).

    A handler must be idempotent: a job can run twice (a worker died after the work but before
    recording it). `schedule` (`every(...)`, `daily(...)`) also runs it periodically under beat.
    """
    if not name or "." not in name:
        raise ValueError(f"task names are 'feature.action', got {name!r}")

    def register(func: Callable[..., object]) -> Callable[..., object]:
        if name in TASKS and TASKS[name].func is not func:
            raise ValueError(f"task {name!r} is registered twice")
        TASKS[name] = TaskSpec(name, func, max_retries, backoff, backoff_max, schedule, give_up_on)
        return func

    return register


def get_task(name: str) -> TaskSpec:
    """The registered task `name`, or KeyError naming the ones that exist."""
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"no task {name!r}; registered: {', '.join(sorted(TASKS)) or 'none'}") from None
