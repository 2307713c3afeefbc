"""Per-tenant flag overrides set by platform admins (issue 17): on, off, expiry, and the older
`feature_flags` settings field reading and writing the same overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

import app.integrations.openfeature as openfeature_module
from app.models import AuditEvent
from app.services import entitlements, feature_flags, tenants
from app.services.audit import Actor
from app.services.errors import NotFound, PermissionDenied, ValidationError
from tests import factories as f

START = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def test_an_override_switches_a_flag_on_and_off_for_one_tenant_only(app):
    acme, globex = f.tenant("acme"), f.tenant("globex")
    feature_flags.set_override(acme, "new_editor", True, f.SYSTEM, note="pilot customer")
    assert entitlements.evaluate(acme)["flags"] == {"new_editor": True}
    assert entitlements.evaluate(globex)["flags"] == {}
    feature_flags.set_override(acme, "new_editor", False, f.SYSTEM)
    assert entitlements.evaluate(acme)["flags"] == {"new_editor": False}
    feature_flags.clear_override(acme, "new_editor", f.SYSTEM)
    assert entitlements.evaluate(acme)["flags"] == {}
    actions = [e.action for e in AuditEvent.query.filter_by(tenant_id=acme.id).order_by(AuditEvent.id)]
    assert actions[-3:] == ["feature_flag.set", "feature_flag.set", "feature_flag.cleared"]


def test_an_override_stops_applying_at_its_expiry(app):
    acme = f.tenant("acme")
    with time_machine.travel(START, tick=False):
        feature_flags.set_override(acme, "beta_search", True, f.SYSTEM, expires_at=START + timedelta(hours=2))
    with time_machine.travel(START + timedelta(hours=2) - timedelta(microseconds=1), tick=False):
        assert entitlements.evaluate(acme)["flags"] == {"beta_search": True}
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        assert entitlements.evaluate(acme)["flags"] == {}
        # Still listed (as expired) until cleared or set again.
        [override] = feature_flags.list_overrides(acme)
        assert not feature_flags.in_force(override)


def test_an_expiry_in_the_past_is_refused(app):
    acme = f.tenant("acme")
    with time_machine.travel(START, tick=False), pytest.raises(ValidationError) as refused:
        feature_flags.set_override(acme, "beta_search", True, f.SYSTEM, expires_at=START)
    assert refused.value.field == "expires_at"


def test_only_platform_admins_set_or_clear_overrides(app):
    acme = f.tenant("acme")
    owner = Actor(user_id=acme.owner_id, label="owner@example.com")
    with pytest.raises(PermissionDenied):
        feature_flags.set_override(acme, "beta_search", True, owner)
    with pytest.raises(PermissionDenied):
        feature_flags.clear_override(acme, "beta_search", owner)


def test_clearing_a_missing_override_is_not_found_and_bad_keys_are_refused(app):
    acme = f.tenant("acme")
    with pytest.raises(NotFound):
        feature_flags.clear_override(acme, "nothing_here", f.SYSTEM)
    with pytest.raises(ValidationError):
        feature_flags.set_override(acme, "Bad Key", True, f.SYSTEM)


def test_the_settings_field_reads_and_writes_the_overrides(app, client):
    acme = f.tenant("acme")
    tenants.update_tenant(acme, f.SYSTEM, feature_flags={"a_flag": True, "b_flag": False})
    assert {o.key: o.enabled for o in feature_flags.list_overrides(acme)} == {"a_flag": True, "b_flag": False}
    feature_flags.set_override(acme, "c_flag", True, f.SYSTEM)
    tenants.update_tenant(acme, f.SYSTEM, feature_flags={"a_flag": False, "c_flag": True})
    assert feature_flags.effective_flags(acme) == {"a_flag": False, "c_flag": True}
    key = f.api_key(acme, "viewer")
    body = client.get("/api/v1/tenants/current", headers={"Authorization": f"Bearer {key}"}).get_json()
    assert body["settings"]["feature_flags"] == {"a_flag": False, "c_flag": True}


def test_the_evaluation_api_and_openfeature_see_an_override(app, client, monkeypatch):
    acme = f.tenant("acme")
    feature_flags.set_override(acme, "new_editor", True, f.SYSTEM)
    key = f.api_key(acme, "viewer")
    body = client.get("/api/v1/tenants/current/features", headers={"Authorization": f"Bearer {key}"}).get_json()
    assert body["flags"] == {"new_editor": True}

    class FlaskResponse:  # the provider's HTTP call answered by the test client
        def __init__(self, response):
            self.response = response

        def raise_for_status(self):
            assert self.response.status_code == 200

        def json(self):
            return self.response.get_json()

    monkeypatch.setattr(openfeature_module.requests, "get", lambda url, headers, timeout: FlaskResponse(
        client.get(url.removeprefix("http://portal.test"), headers=headers)))
    provider = openfeature_module.TenantryProvider("http://portal.test", key)
    assert provider.resolve_boolean_details("new_editor", False).value is True
