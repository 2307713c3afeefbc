"""Signed download links: valid for 24 hours, for one tenant's export only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from app.models.types import utcnow
from app.services import exports
from app.services.errors import NotFound


def test_a_link_works_for_24_hours_then_stops(app):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        token = exports.sign_download("tenant-a", 7)
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        assert exports.verify_download("tenant-a", token) == 7
    with time_machine.travel(start + timedelta(hours=24, seconds=2), tick=False), pytest.raises(NotFound):
        exports.verify_download("tenant-a", token)


def test_a_link_is_for_its_own_tenant_and_cannot_be_forged(app):
    token = exports.sign_download("tenant-a", 7)
    with pytest.raises(NotFound):
        exports.verify_download("tenant-b", token)
    with pytest.raises(NotFound):
        exports.verify_download("tenant-a", token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
