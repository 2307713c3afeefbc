"""The API's hot path (`app/api/hot_path.py`) answers exactly as the ordinary path would.

The portal under test has the hot path in front of it (as in production); `ordinary` is an instance
built with `API_HOT_PATH=false`. Whether a call took the hot path is seen from Flask's side: a
`before_request` hook counts the calls that reached Flask.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from app.services import api_keys, tenants
from app.services.audit import Actor
from tests import factories
from tests.conftest import build_app
from tests.web.test_metrics_and_proxies import _value

PATH = "/api/v1/tenants/current"
MOMENT = datetime(2028, 2, 29, 23, 58, tzinfo=UTC)  # a leap day, near a month end


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def reached_flask(server_app):
    calls: list[str] = []
    server_app.before_request_funcs.setdefault(None, []).insert(0, lambda: calls.append("flask"))
    return calls


def _warm(client, secret, traveller) -> None:
    """A busy second (one call leased at a time), then a call that leases a block of calls."""
    for _ in range(20):
        assert client.get(PATH, headers=bearer(secret)).status_code == 200
    traveller.shift(timedelta(seconds=1))
    assert client.get(PATH, headers=bearer(secret)).status_code == 200


@pytest.mark.app_config(METER_LEASE_SECONDS=60)
def test_a_warm_call_takes_the_hot_path_and_answers_as_flask_would(app, server_app, client, clock, database_url,
                                                                      reached_flask):
    traveller = clock(MOMENT)
    tenant = factories.tenant("parity", plan="pro")
    secret = factories.api_key(tenant, "viewer")
    _warm(client, secret, traveller)
    reached_flask.clear()
    hot = client.get(PATH, headers={**bearer(secret), "X-Request-ID": "req-parity-1"})
    assert reached_flask == [], "the warm call was answered by the hot path"

    ordinary = build_app(database_url, API_HOT_PATH=False, METER_LEASE_SECONDS=60).test_client()
    plain = ordinary.get(PATH, headers={**bearer(secret), "X-Request-ID": "req-parity-1"})
    assert (hot.status_code, hot.get_json()) == (plain.status_code, plain.get_json())
    assert hot.get_json()["slug"] == "parity"
    assert hot.get_data() == plain.get_data()  # byte for byte, as jsonify writes it
    # Every header the ordinary path sends, with the same value, and nothing else; the quota's remaining
    # count is each path's own (each process leases its own block).
    assert sorted(hot.headers.keys()) == sorted(plain.headers.keys())
    for name, value in plain.headers.items():
        if name != "X-Quota-Remaining":
            assert hot.headers[name] == value, name
    assert int(hot.headers["X-Quota-Remaining"]) > 0


@pytest.mark.app_config(METER_LEASE_SECONDS=60)
def test_a_hot_call_is_logged_and_counted_like_any_other(app, server_app, client, clock, reached_flask, caplog):
    traveller = clock(MOMENT)
    tenant = factories.tenant("counted", plan="free")
    secret = factories.api_key(tenant, "viewer")
    _warm(client, secret, traveller)
    before = client.get("/metrics").get_data(as_text=True)
    reached_flask.clear()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="app.access"):
        for _ in range(3):
            assert client.get(PATH, headers={**bearer(secret), "X-Request-ID": "req-counted-7"}).status_code == 200
    assert reached_flask == []
    records = [r for r in caplog.records if r.name == "app.access"]
    assert len(records) == 3
    line = records[-1]
    assert line.getMessage() == f"GET {PATH} 200"
    assert (line.request_id, line.tenant_id, line.actor, line.endpoint, line.status) == \
        ("req-counted-7", tenant.id, f"api-key:{api_keys.list_keys(tenant)[0].id}", "api.current", 200)

    after = client.get("/metrics").get_data(as_text=True)

    def grown(name: str, **labels) -> float:
        try:
            earlier = _value(before, name, **labels)
        except AssertionError:
            earlier = 0
        return _value(after, name, **labels) - earlier

    assert grown("flask_http_request_duration_seconds_count", url_rule=PATH, status="200") == 3
    assert grown("tenantry_api_calls_total", plan="free", outcome="admitted") == 3


@pytest.mark.app_config(METER_LEASE_SECONDS=60)
def test_a_revoked_key_or_a_suspended_tenant_is_refused_at_once_though_a_block_is_held(app, client, clock):
    traveller = clock(MOMENT)
    tenant = factories.tenant("revoked", plan="pro")
    secret = factories.api_key(tenant, "viewer")
    _warm(client, secret, traveller)
    key = api_keys.list_keys(tenant)[0]
    api_keys.revoke_key(tenant, key.id, Actor.system())
    assert client.get(PATH, headers=bearer(secret)).status_code == 401

    other = factories.tenant("suspended", plan="pro")
    secret = factories.api_key(other, "viewer")
    _warm(client, secret, traveller)
    tenants.suspend(other, "Unpaid invoices", Actor.system())
    answer = client.get(PATH, headers=bearer(secret))
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "tenant_suspended"


@pytest.mark.app_config(METER_LEASE_SECONDS=60)
@pytest.mark.parametrize("named", ["cookie", "header", "query"])
def test_a_request_carrying_anything_more_takes_the_ordinary_path(app, client, clock, reached_flask, named):
    traveller = clock(MOMENT)
    tenant = factories.tenant("plain", plan="pro")
    secret = factories.api_key(tenant, "viewer")
    _warm(client, secret, traveller)
    reached_flask.clear()
    if named == "cookie":  # a browser's session: the ordinary path decides who is calling
        client.set_cookie("session", "not-a-session")
        assert client.get(PATH, headers=bearer(secret)).status_code == 200
    else:  # another tenant named beside the key's own: the resolver refuses the conflict
        answer = client.get(PATH, headers={**bearer(secret), **({"X-Tenant-ID": "someone-else"} if named == "header" else {})},
                            query_string="tenant_id=someone-else" if named == "query" else "")
        assert answer.status_code in (400, 404)
    assert reached_flask == ["flask"]


@pytest.mark.app_config(METER_LEASE_SECONDS=600)
def test_a_flag_override_ends_at_its_expiry_on_the_hot_path_too(app, client, clock, reached_flask):
    from app.services import feature_flags

    traveller = clock(MOMENT)
    tenant = factories.tenant("flagged", plan="pro")
    secret = factories.api_key(tenant, "viewer")
    ends = MOMENT + timedelta(minutes=1)  # past midnight: the leap day ends, and the month
    feature_flags.set_override(tenant, "new_billing", True, Actor.system(), expires_at=ends)
    _warm(client, secret, traveller)
    traveller.move_to(ends - timedelta(microseconds=1))
    client.get(PATH, headers=bearer(secret))  # a minute on, the access cache is loaded again first
    reached_flask.clear()
    assert client.get(PATH, headers=bearer(secret)).get_json()["settings"]["feature_flags"] == {"new_billing": True}
    traveller.move_to(ends)
    assert client.get(PATH, headers=bearer(secret)).get_json()["settings"]["feature_flags"] == {}
    assert reached_flask == [], "both answers came from the hot path"
