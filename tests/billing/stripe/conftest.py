"""localstripe (a stateful fake Stripe server, PyPI) started once per run on 127.0.0.1, and both app
instances pointed at it with BILLING_PROVIDER=stripe. It always starts (CI installs
requirements-dev.txt): a Stripe test never skips."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

SERVER = Path(__file__).with_name("localstripe_server.py")
SECRET_KEY = "sk_test_tenantry"
WEBHOOK_SECRET = "whsec_tenantry_test"
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(process: subprocess.Popen, address: tuple[str, int]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with {process.returncode}: {process.stderr.read().decode()}")
        try:
            with socket.create_connection(address, timeout=1):
                return
        except OSError:
            time.sleep(0.05)  # polling for a port to open, not waiting for an outcome
    raise RuntimeError(f"localstripe did not answer on {address} within {START_TIMEOUT:.0f} s")


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """The base URL of a fresh localstripe (its store lives in its memory only)."""
    address = ("127.0.0.1", _free_port())
    process = subprocess.Popen([sys.executable, str(SERVER), str(address[1])],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_up(process, address)
        yield f"http://{address[0]}:{address[1]}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(autouse=True)
def stripe_config(app: Flask, server_app: Flask, localstripe: str) -> dict:
    """Both app instances collect through Stripe (localstripe)."""
    values = {"BILLING_PROVIDER": "stripe", "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
              "STRIPE_API_BASE": localstripe}
    app.config.update(values)
    server_app.config.update(values)
    return values


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """localstripe keeps real time (its objects' `created`, trial ends), so its tests run on the real clock."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.real_clock)
