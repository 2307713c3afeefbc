"""Named points where a crash is most harmful, for the crash-safety tests (tests/isolation/test_crash_safety.py).

`reached("tenant.committed")` does nothing unless the environment variable `CRASH_AT` names that
point: then the process SIGKILLs itself there, as `kill -9` or an OOM kill would, with no
cleanup, no `finally`, no rollback. The tests start a process with `CRASH_AT` set, so where it dies
is exact, not a matter of timing. Nothing sets it in production.
"""

from __future__ import annotations

import os
import signal


def reached(name: str) -> None:
    """Die here (SIGKILL) if `CRASH_AT` names this point; otherwise nothing."""
    if os.environ.get("CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
