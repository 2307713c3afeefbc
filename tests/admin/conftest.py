"""Fixtures for the admin console: a signed-in platform admin and a CSRF-carrying poster."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests import factories as f
from tests.conftest import csrf_token


@pytest.fixture
def admin_user():
    return f.user("root@platform.test", admin=True, name="Root Admin")


@pytest.fixture
def admin_client(as_user, admin_user):
    return as_user(admin_user)


@pytest.fixture
def post(admin_client):
    """`post(path, **form)`: a form POST from the signed-in admin, with a valid CSRF token."""
    token = csrf_token(admin_client, "/admin/")

    def send(path: str, follow: bool = False, headers: dict | None = None, **data):
        response = admin_client.post(path, data={"csrf_token": token, **data}, follow_redirects=follow,
                                     headers=headers or {})
        db.session.expire_all()
        return response

    return send
