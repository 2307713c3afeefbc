"""Work a request hands off instead of doing: written a moment later by a daemon thread of the process.

The API's hot path keeps two things in memory and writes them here, off the request: when each key
was last used (`api_keys`), and leased API calls that were not used (`meter_leases`). Each app has
one `WriteBehind`; its thread starts in the process that first needs it (a gunicorn worker forks
after the app is built), wakes every `interval` seconds, runs every registered flush in the app's
context, and once more when the process exits. A flush that fails is logged and tried again at the
next tick: the data it writes stays in memory until then.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections.abc import Callable

from flask import Flask, current_app

log = logging.getLogger(__name__)

_EXTENSION = "write_behind"
TICK_SECONDS = 0.5


class WriteBehind:
    def __init__(self, app: Flask, interval: float = TICK_SECONDS) -> None:
        self._app_ref = weakref.ref(app)
        self.interval = interval
        self._flushes: dict[str, Callable[[], None]] = {}
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def register(self, name: str, flush: Callable[[], None]) -> None:
        """Run `flush()` (in the app's context) at every tick; one flush per name."""
        self._flushes[name] = flush

    def start(self) -> None:
        """Make sure this process has the thread (cheap to call on every request)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
        threading.Thread(target=_run, args=(weakref.ref(self), os.getpid()), name="write-behind",
                         daemon=True).start()
        atexit.register(_flush_at_exit, weakref.ref(self))

    def flush_now(self) -> None:
        """Run every flush now, in the calling thread (tests, shutdown, CLI)."""
        app = self._app_ref()
        if app is None:
            return
        with app.app_context():
            for name, flush in list(self._flushes.items()):
                try:
                    flush()
                except Exception:
                    log.exception("write-behind flush %s failed; it is retried at the next tick", name)


def _run(ref: weakref.ref, pid: int) -> None:
    while True:
        writer = ref()
        if writer is None or writer._pid != pid:
            return
        interval = writer.interval
        wake = writer._wake
        writer.flush_now()
        del writer
        wake.wait(interval)


def _flush_at_exit(ref: weakref.ref) -> None:
    writer = ref()
    if writer is not None and writer._pid == os.getpid():
        writer.flush_now()


def writer_of(app: Flask) -> WriteBehind:
    """The app's writer (made on first use, so the services that register flushes need no init order)."""
    writer = app.extensions.get(_EXTENSION)
    if writer is None:
        writer = app.extensions[_EXTENSION] = WriteBehind(app, float(app.config.get("WRITE_BEHIND_SECONDS",
                                                                                    TICK_SECONDS)))
    return writer


def current_writer() -> WriteBehind:
    return writer_of(current_app)
