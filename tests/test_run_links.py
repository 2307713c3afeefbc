"""`make run` on another port builds its links for that port; mail comes from the product by name."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _dry_run(**env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "PUBLIC_URL"} | env
    return subprocess.run(["make", "-n", "run", *[f"{k}={v}" for k, v in env.items() if k == "PORT"]],
                          cwd=ROOT, env=environment, capture_output=True, text=True, check=True).stdout


def test_make_run_derives_public_url_from_port_unless_it_is_set():
    assert "PUBLIC_URL=http://127.0.0.1:8741 " in _dry_run(PORT="8741")
    assert "PUBLIC_URL=https://portal.example.com " in _dry_run(PORT="8741", PUBLIC_URL="https://portal.example.com")


def test_emails_come_from_the_product_name():
    from app.config import Config

    assert Config.MAIL_DEFAULT_SENDER.startswith(f"{Config.PRODUCT_NAME} <") or "MAIL_DEFAULT_SENDER" in os.environ
