"""What a member sees of plan entitlements: the plan picker lists them, a page above the plan shows an
upgrade prompt, and the audit export answers CSV on Basic and a 403 with the way to upgrade on Free."""

from __future__ import annotations

from app.services import plans
from app.services.audit import Actor, record_now
from tests import factories as f


def test_the_plan_picker_lists_what_each_plan_includes(client, as_user, org):
    as_user(org.owner)
    html = client.get("/t/acme/plan").get_data(as_text=True)
    cards = {chunk.split('"', 1)[0]: chunk for chunk in html.split('data-plan="')[1:]}
    assert 'data-feature="sso"' in cards["pro"] and 'data-feature="sso"' not in cards["basic"]
    assert 'data-feature="webhooks"' in cards["basic"] and "data-feature" not in cards["free"]


def test_sso_settings_on_free_show_the_upgrade_prompt_and_creating_is_refused(client, as_user, org):
    as_user(org.owner)
    html = client.get("/t/acme/settings/sso").get_data(as_text=True)
    assert 'data-testid="upgrade-prompt"' in html and "Professional" in html


def test_audit_export_is_csv_on_basic_and_an_upgrade_prompt_on_free(client, as_user, org, other_org):
    record_now("globex.secret", Actor(label="bot"), tenant_id=other_org.tenant.id)
    as_user(org.owner)
    refused = client.get("/t/acme/audit.csv")
    assert refused.status_code == 403
    assert "feature_not_in_plan" in refused.get_data(as_text=True) and "/t/acme/plan" in refused.get_data(as_text=True)
    assert "Exporting the audit log is included from the Basic plan." in client.get("/t/acme/audit").get_data(as_text=True)

    plans.change_plan(org.tenant, "basic", f.SYSTEM)
    exported = client.get("/t/acme/audit.csv?action=tenant.")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    body = exported.get_data(as_text=True)
    assert body.splitlines()[0].startswith("created_at,tenant_id,actor")
    assert "tenant.plan_changed" in body and "member.added" not in body and "globex.secret" not in body


def test_api_refuses_a_feature_above_the_plan_with_feature_not_in_plan(client, org):
    key = f.api_key(org.tenant, "owner")
    response = client.get("/api/v1/tenants/acme/audit/export", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "feature_not_in_plan" and error["details"]["required_plan"] == "basic"
    plans.change_plan(org.tenant, "basic", f.SYSTEM)
    response = client.get("/api/v1/tenants/acme/audit/export", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
