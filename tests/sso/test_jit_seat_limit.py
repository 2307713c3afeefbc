"""Just-in-time provisioning takes a seat: its check reads the plan committed under the tenant lock."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import SsoConnection, Tenant, User
from app.services.errors import QuotaExceeded
from app.services.sso import provisioning
from app.services.sso.identity import VerifiedIdentity
from app.services.transaction import side_session
from tests import factories as f
from tests.sso.support import oidc_connection


@pytest.fixture
def connection(acme, oidc_idp, oidc_client) -> SsoConnection:
    return oidc_connection(acme, oidc_idp.issuer, oidc_client)


def test_a_downgrade_committed_after_the_connection_was_loaded_is_what_jit_provisioning_sees(acme, connection):
    with side_session() as session:
        session.get(Tenant, acme.id).plan_code = "pro"
    db.session.expire_all()
    for _ in range(4):
        f.member(acme, who=f.user(password=None))  # owner + 4: Free's 5 seats
    assert connection.tenant.plan.max_users == 50  # loaded before the lock, as the callback does
    with side_session() as session:  # a racing admin's downgrade commits
        session.get(Tenant, acme.id).plan_code = "free"

    with pytest.raises(QuotaExceeded):
        provisioning.sign_in(connection, VerifiedIdentity("ann", "ann@acme.test", "Ann Admin"))

    assert User.query.filter_by(email="ann@acme.test").count() == 0
