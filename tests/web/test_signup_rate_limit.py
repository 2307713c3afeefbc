"""Issue 9, finding 13: sign-up was not rate-limited, so anyone could create accounts and tenants (and
probe which emails exist) as fast as they could post. The answer to an existing email is sec-b's
(verification); this is the limit per client address."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Tenant
from tests.conftest import csrf_token


def _sign_up(client, n: int):
    return client.post("/signup", data={"csrf_token": csrf_token(client, "/signup"), "name": f"Person {n}",
                                        "email": f"person{n}@new.test", "password": "a-long-enough-secret",
                                        "organisation": f"Org {n}", "slug": f"org-{n}"})


@pytest.mark.app_config(RATELIMIT_ENABLED=True, SIGNUP_RATE_LIMIT="2 per hour")
def test_sign_ups_from_one_address_are_limited(server_app):
    statuses = [_sign_up(server_app.test_client(), n).status_code for n in range(3)]  # fresh cookies each time
    assert statuses == [200, 200, 429]  # "check your email" twice (sign-up verifies the address), then refused
    db.session.expire_all()
    assert db.session.query(Tenant).filter(Tenant.slug.like("org-%")).count() == 2


def test_sign_up_is_limited_by_default(app):
    assert app.config["SIGNUP_RATE_LIMIT"] == "10 per hour"
