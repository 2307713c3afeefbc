"""The rules of beta features (issue 17): platform admins allow, the tenant switches on what is
allowed, disallowing switches off, every change is audited, and the evaluation API shows the
enabled betas as flags with the platform's overrides on top."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.models import AuditEvent
from app.services import audit_text, beta_features, entitlements, feature_flags
from app.services.authority import Authority
from app.services.errors import PermissionDenied, ValidationError
from tests import factories as f
from tests.isolation.support import tenant_on

MOMENT = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)


def _owner(tenant) -> Authority:
    return Authority.member(Authority(user_id=tenant.owner_id, label="owner@example.test"), tenant, "owner")


def _actions(tenant) -> list[str]:
    return [e.action for e in AuditEvent.query.filter_by(tenant_id=tenant.id, target_type="beta_feature")
            .order_by(AuditEvent.id)]


def test_a_tenant_sees_only_the_betas_allowed_to_it_and_the_platform_sees_all(app):
    acme = f.tenant("acme")
    assert beta_features.tenant_view(acme) == []
    assert [(s.key, s.allowed, s.enabled) for s in beta_features.platform_view(acme)] == [
        ("new_editor", False, False), ("usage_insights", False, False)]
    beta_features.allow(acme, "usage_insights", True, f.SYSTEM)
    assert [s.key for s in beta_features.list_for(acme, _owner(acme))] == ["usage_insights"]
    assert [s.key for s in beta_features.list_for(acme, f.SYSTEM)] == ["new_editor", "usage_insights"]


def test_a_beta_not_allowed_is_refused_to_the_tenant(app):
    acme = f.tenant("acme")
    with pytest.raises(PermissionDenied) as refused:
        beta_features.set_enabled(acme, "new_editor", True, _owner(acme))
    assert refused.value.code == "beta_not_allowed"
    assert "not available" in refused.value.message
    assert beta_features.enabled_keys(acme) == frozenset() and _actions(acme) == []


def test_only_platform_admins_allow_a_beta(app):
    acme = f.tenant("acme")
    with pytest.raises(PermissionDenied):
        beta_features.allow(acme, "new_editor", True, _owner(acme))
    assert beta_features.tenant_view(acme) == []


def test_a_viewer_may_not_switch_an_allowed_beta(app):
    acme = f.tenant("acme")
    viewer = f.member(acme, "viewer")
    beta_features.allow(acme, "new_editor", True, f.SYSTEM)
    with pytest.raises(PermissionDenied):
        beta_features.set_enabled(acme, "new_editor", True,
                                  Authority.member(Authority(user_id=viewer.id, label=viewer.email), acme, "viewer"))
    assert beta_features.enabled_keys(acme) == frozenset()


def test_the_tenant_switches_an_allowed_beta_on_and_off(app, clock):
    clock(MOMENT)
    acme = f.tenant("acme")
    beta_features.allow(acme, "new_editor", True, f.SYSTEM)
    state = beta_features.set_enabled(acme, "new_editor", True, _owner(acme))
    assert (state.allowed, state.enabled, state.changed_by, state.changed_at) == (
        True, True, "owner@example.test", MOMENT)
    assert beta_features.enabled_keys(acme) == {"new_editor"}
    beta_features.set_enabled(acme, "new_editor", False, _owner(acme))
    assert beta_features.enabled_keys(acme) == frozenset()
    assert _actions(acme) == ["beta_feature.allowed", "beta_feature.enabled", "beta_feature.disabled"]


def test_disallowing_switches_the_beta_off(app):
    acme = f.tenant("acme")
    beta_features.allow(acme, "new_editor", True, f.SYSTEM)
    beta_features.set_enabled(acme, "new_editor", True, _owner(acme))
    state = beta_features.allow(acme, "new_editor", False, f.SYSTEM)
    assert (state.allowed, state.enabled) == (False, False)
    assert beta_features.enabled_keys(acme) == frozenset() and beta_features.tenant_view(acme) == []
    # Allowed again later, it starts switched off: the tenant chooses again.
    assert beta_features.allow(acme, "new_editor", True, f.SYSTEM).enabled is False
    withdrawn = AuditEvent.query.filter_by(tenant_id=acme.id, action="beta_feature.disallowed").one()
    assert withdrawn.details == {"key": "new_editor", "allowed": False, "switched_off": True}


def test_setting_what_is_already_so_records_nothing(app):
    acme = f.tenant("acme")
    beta_features.allow(acme, "new_editor", False, f.SYSTEM)  # never allowed: still no row, no event
    assert beta_features.platform_view(acme)[0].changed_by is None
    beta_features.allow(acme, "new_editor", True, f.SYSTEM)
    beta_features.allow(acme, "new_editor", True, f.SYSTEM)
    beta_features.set_enabled(acme, "new_editor", False, _owner(acme))
    assert _actions(acme) == ["beta_feature.allowed"]


@pytest.mark.parametrize("call", ["allow", "set_enabled"])
def test_an_unknown_key_is_a_validation_error_on_key(app, call):
    acme = f.tenant("acme")
    with pytest.raises(ValidationError) as refused:
        if call == "allow":
            beta_features.allow(acme, "time_travel", True, f.SYSTEM)
        else:
            beta_features.set_enabled(acme, "time_travel", True, _owner(acme))
    assert refused.value.field == "key" and refused.value.http_status == 422
    assert refused.value.to_dict()["details"]["fields"] == {"key": [refused.value.message]}


def test_a_value_that_is_not_a_boolean_is_refused(app):
    acme = f.tenant("acme")
    with pytest.raises(ValidationError) as refused:
        beta_features.allow(acme, "new_editor", "yes", f.SYSTEM)
    assert refused.value.field == "allowed"


def test_an_enabled_beta_is_a_flag_of_the_evaluation(app):
    acme, globex = f.tenant("acme"), f.tenant("globex")
    beta_features.allow(acme, "usage_insights", True, f.SYSTEM)
    assert entitlements.evaluate(acme)["flags"] == {}  # allowed is not enabled
    beta_features.set_enabled(acme, "usage_insights", True, _owner(acme))
    assert entitlements.evaluate(acme)["flags"] == {"usage_insights": True}
    assert entitlements.evaluate(globex)["flags"] == {}
    # The tenant settings' feature_flags stay the platform's overrides only.
    assert feature_flags.effective_flags(acme) == {}


def test_a_platform_override_wins_over_an_enabled_beta(app):
    acme = f.tenant("acme")
    beta_features.allow(acme, "new_editor", True, f.SYSTEM)
    beta_features.set_enabled(acme, "new_editor", True, _owner(acme))
    feature_flags.set_override(acme, "new_editor", False, f.SYSTEM, note="editor incident")
    assert entitlements.evaluate(acme)["flags"] == {"new_editor": False}
    feature_flags.clear_override(acme, "new_editor", f.SYSTEM)
    assert entitlements.evaluate(acme)["flags"] == {"new_editor": True}


def test_a_beta_taken_out_of_the_catalogue_is_no_longer_a_flag(app):
    acme = f.tenant("acme")
    beta_features.allow(acme, "new_editor", True, f.SYSTEM)
    beta_features.set_enabled(acme, "new_editor", True, _owner(acme))
    catalogue = app.config["BETA_FEATURES"]
    app.config["BETA_FEATURES"] = {k: v for k, v in catalogue.items() if k != "new_editor"}
    try:
        assert entitlements.evaluate(acme)["flags"] == {}
    finally:
        app.config["BETA_FEATURES"] = catalogue


def test_audit_events_read_as_sentences(app):
    acme = f.tenant("acme")
    beta_features.allow(acme, "new_editor", True, f.SYSTEM)
    event = AuditEvent.query.filter_by(tenant_id=acme.id, action="beta_feature.allowed").one()
    assert audit_text.describe(event.action, event.actor_label, event.details) == \
        "System allowed the beta feature “New document editor”."
    assert audit_text.action_label("beta_feature.disabled") == "Beta feature switched off"


def test_betas_work_the_same_on_every_isolation_strategy(app, strategy):
    tenant = tenant_on(strategy, f"beta-{strategy}")
    beta_features.allow(tenant, "new_editor", True, f.SYSTEM)
    beta_features.set_enabled(tenant, "new_editor", True, _owner(tenant))
    assert entitlements.evaluate(tenant)["flags"] == {"new_editor": True}
    assert [s.key for s in beta_features.tenant_view(tenant)] == ["new_editor"]


def test_purging_a_tenant_removes_its_betas(app, strategy):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import TenantBetaFeature
    from app.services import tenants

    tenant = tenant_on(strategy, f"gone-{strategy}")
    beta_features.allow(tenant, "new_editor", True, f.SYSTEM)
    tenant_id = tenant.id
    tenants.soft_delete(tenant, f.SYSTEM)
    tenants.purge(tenant, f.SYSTEM)
    assert db.session.scalar(select(func.count()).select_from(TenantBetaFeature)
                             .where(TenantBetaFeature.tenant_id == tenant_id)) == 0
