"""One value says who is acting and what they may do; one function decides."""

from __future__ import annotations

import pytest

from app.models import Role
from app.services import members
from app.services.audit import Actor
from app.services.authority import Authority, Via, allows, grantable_roles, may_grant
from app.services.errors import PermissionDenied
from tests import factories as f

ALICE = Actor(user_id=1, label="alice@example.test")


def test_a_member_holds_the_permissions_of_its_roles_in_its_tenant_only():
    viewer = Authority.member(ALICE, "tnt_a", "viewer")
    assert allows(viewer, "members.read") and not allows(viewer, "members.manage")
    assert not allows(viewer, "members.read", "tnt_b")  # roles do not travel to another tenant
    assert viewer.via == Via.SESSION and not viewer.is_platform_admin


def test_several_roles_hold_the_union_of_their_permissions():
    both = Authority.member(ALICE, "tnt_a", "viewer", "admin")
    assert both.roles == {Role.VIEWER, Role.ADMIN}
    assert allows(both, "apikeys.manage") and not allows(both, "tenant.delete")
    assert both.strongest_role_in("tnt_a") == Role.ADMIN


def test_a_platform_admin_holds_everything_everywhere_and_nobody_else_holds_platform_permissions():
    assert allows(Authority.cli(), "tenants.purge") and allows(Authority.cli(), "tenant.delete", "tnt_x")
    assert Authority.cli().via == Via.CLI and Authority.system().via == Via.SYSTEM
    assert not allows(Authority.member(ALICE, "tnt_a", "owner"), "tenants.purge")
    # A platform admin acting as a member (impersonation) is a member, not a platform admin.
    admin = Actor(user_id=2, label="admin@example.test", is_platform_admin=True)
    assert not Authority.member(admin, "tnt_a", "owner", via=Via.IMPERSONATION).is_platform_admin


def test_nobody_grants_a_role_above_their_own():
    admin = Authority.member(ALICE, "tnt_a", "admin")
    assert may_grant(admin, "tnt_a", "admin") and not may_grant(admin, "tnt_a", "owner")
    assert grantable_roles(admin, "tnt_a") == [Role.ADMIN, Role.MEMBER, Role.VIEWER]
    assert grantable_roles(admin, "tnt_b") == []
    assert grantable_roles(Authority.system(), "tnt_b") == list(Role)


def test_an_authority_passes_wherever_an_actor_is_expected():
    authority = Authority.member(Actor(user_id=7, label="x@example.test", ip="10.0.0.1", api_key_id=3), "t", "member")
    assert isinstance(authority, Actor)
    assert (authority.user_id, authority.label, authority.ip, authority.api_key_id) == (7, "x@example.test",
                                                                                         "10.0.0.1", 3)


def test_an_owner_of_one_tenant_cannot_change_roles_in_another(app):
    mine, theirs = f.tenant("mine-co"), f.tenant("theirs-co")
    stranger = f.member(theirs, "member")
    owner_of_mine = Authority.member(Actor.for_user(mine.owner), mine, "owner")
    with pytest.raises(PermissionDenied):
        members.change_role(theirs, stranger.id, "admin", owner_of_mine)
    with pytest.raises(PermissionDenied):
        members.transfer_ownership(theirs, stranger.id, owner_of_mine)


def test_every_way_in_ends_in_an_authority_naming_it(app):
    from app.extensions import db
    from app.models import ApiKey
    from app.tenancy.principal import Principal

    tenant = f.tenant("ways-in")
    viewer_secret = f.api_key(tenant, "viewer")
    key = db.session.query(ApiKey).filter_by(tenant_id=tenant.id, role="viewer").one()
    with app.test_request_context():
        by_key = Principal(api_key=key, via="api_key").authority(tenant)
        assert by_key.via == Via.API_KEY and by_key.roles == {Role.VIEWER} and by_key.api_key_id == key.id
        as_owner = Principal(user=tenant.owner, via="session", impersonator_user_id=99,
                             impersonation_tenant_id=tenant.id).authority(tenant)
        assert as_owner.via == Via.IMPERSONATION and as_owner.roles == {Role.OWNER}
        assert as_owner.impersonator_user_id == 99
        by_token = Principal(user=tenant.owner, via="jwt", jwt_tenant_id="tnt_other").authority(tenant)
        assert by_token.via == Via.JWT and by_token.roles == frozenset()  # minted for another tenant
    assert viewer_secret.startswith("sk_")
