"""The portal served for real on 127.0.0.1, for tests whose peer is another process or library that
speaks HTTP (an OpenFeature client, scim2-tester, a browser signing in through an IdP)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from app.extensions import db
from tests.conftest import build_app


@contextmanager
def served_portal(database_url: str, **overrides) -> Iterator[str]:
    """An app instance on a free port sharing the test database; yields its base URL.
    PUBLIC_URL follows the port unless `overrides` set it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    served = build_app(database_url, **{"PUBLIC_URL": url, **overrides})
    server = make_server("127.0.0.1", port, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with served.app_context():
            db.engine.dispose()
