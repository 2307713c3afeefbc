"""Plan entitlements: what each plan includes, checked in one place, refused with an upgrade prompt."""

from __future__ import annotations

import pytest

from app.services import entitlements, plans
from app.services.directory import tokens
from app.services.errors import FeatureNotInPlan
from app.services.sso import connections
from tests import factories as f

OIDC = {"protocol": "oidc", "name": "Okta", "issuer": "https://idp.example.test", "client_id": "portal",
        "client_secret": "s3cret", "default_role": "member"}


@pytest.mark.parametrize(("plan", "included"), [
    ("free", set()),
    ("basic", {"audit_export", "webhooks"}),
    ("pro", {"audit_export", "webhooks", "custom_roles", "scim", "sso"}),
    ("enterprise", {"audit_export", "webhooks", "custom_roles", "scim", "sso"}),
])
def test_each_plan_includes_its_features_and_has_feature_says_so(app, plan, included):
    tenant = f.tenant(plan=plan)
    assert {key for key in entitlements.FEATURE_KEYS if entitlements.has_feature(tenant, key)} == included
    assert {item.key for item in entitlements.plan_features(plans.get_plan(plan))} == included


def test_a_feature_above_the_plan_is_refused_naming_the_plan_that_includes_it(app):
    tenant = f.tenant("acme", plan="basic")
    with pytest.raises(FeatureNotInPlan) as refused:
        entitlements.require_feature(tenant, "sso")
    error = refused.value
    assert error.http_status == 403 and error.code == "feature_not_in_plan"
    assert error.details == {"feature": "sso", "plan": "basic", "required_plan": "pro", "plan_path": "/t/acme/plan"}
    assert "Basic" in error.message and "Professional" in error.message
    entitlements.require_feature(tenant, "webhooks")  # included: no error


def test_an_unknown_feature_key_is_a_programming_error_not_a_refusal(app):
    with pytest.raises(KeyError):
        entitlements.has_feature(f.tenant(plan="enterprise"), "sso_typo")


def test_an_upgrade_opens_the_feature_at_once(app):
    tenant = f.tenant(plan="basic")
    assert not entitlements.has_feature(tenant, "scim")
    plans.change_plan(tenant, "pro", f.SYSTEM)
    assert entitlements.has_feature(tenant, "scim")


def test_sso_and_scim_are_gated_by_the_plan(app):
    basic = f.tenant("basic-co", plan="basic")
    with pytest.raises(FeatureNotInPlan):
        connections.create_connection(basic, dict(OIDC), f.SYSTEM)
    with pytest.raises(FeatureNotInPlan):
        tokens.create_token(basic, "Entra", f.SYSTEM)
    pro = f.tenant("pro-co", plan="pro")
    assert tokens.create_token(pro, "Entra", f.SYSTEM)[1].startswith("scim_")
