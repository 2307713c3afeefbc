"""Issue 9, finding 13: `feature_flags` had no size limit, and every change copied the whole map
twice (from and to) into its audit event. At most 64 flags; the audit event names what changed."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent
from app.services import feature_flags
from app.services.tenants import MAX_FEATURE_FLAGS


def _flags(n: int, value: bool = True) -> dict[str, bool]:
    return {f"flag_{i}": value for i in range(n)}


def test_more_than_64_flags_are_a_422_and_nothing_is_stored(world, api):
    response = api.patch("/api/v1/tenants/acme", headers=world.headers("admin"),
                         json={"feature_flags": _flags(MAX_FEATURE_FLAGS + 1)})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["details"]["fields"].keys() == {"feature_flags"} and "at most 64" in error["message"]
    db.session.expire_all()
    assert feature_flags.effective_flags(world.tenant) == {}


def test_a_flag_change_is_audited_as_what_changed_not_two_copies_of_every_flag(world, api):
    headers = world.headers("admin")
    assert api.patch("/api/v1/tenants/acme", headers=headers,
                     json={"feature_flags": _flags(MAX_FEATURE_FLAGS)}).status_code == 200
    flags = {**_flags(MAX_FEATURE_FLAGS - 1), "flag_0": False}  # one switched off, flag_63 removed
    assert api.patch("/api/v1/tenants/acme", headers=headers, json={"feature_flags": flags}).status_code == 200
    db.session.expire_all()
    last = (db.session.query(AuditEvent).filter_by(action="tenant.updated", tenant_id=world.tenant.id)
            .order_by(AuditEvent.id.desc()).first())
    assert last.details["changes"] == {"feature_flags": {"set": {"flag_0": False}, "removed": ["flag_63"]}}
