"""Every route declares who may call it; a route that names a tenant declares a permission.

Walks the real app's url_map. A rule added with a plain `bp.route` (no declaration), a tenant
route without a permission, or a public route naming a tenant without saying why, fails here,
whichever feature adds it.
"""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask

from app.services.permissions import PERMISSIONS
from app.tenancy.routes import Access, AccessKind, GuardedBlueprint, access_of

# Flask's own static files route: served by Flask, declared by nobody.
UNDECLARED_BY_DESIGN = {"static"}
TENANT_ARGS = {"tenant_slug", "tenant_ref"}


def names_tenant(rule) -> bool:
    """A rule names a tenant when it has a tenant argument or an id right under /tenants/."""
    if TENANT_ARGS & set(rule.arguments):
        return True
    parts = rule.rule.split("/")
    return any(part == "tenants" and i + 1 < len(parts) and parts[i + 1].startswith("<")
               for i, part in enumerate(parts))


def access_problems(app: Flask) -> list[str]:
    problems = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNDECLARED_BY_DESIGN:
            continue
        access = access_of(app.view_functions[rule.endpoint])
        writes = sorted((rule.methods or set()) - {"GET", "HEAD", "OPTIONS"})
        if access is None:
            problems.append(f"{rule.rule} ({rule.endpoint}) declares no access: use bp.tenant/platform/signed_in/public")
        elif names_tenant(rule) and access.kind not in (AccessKind.TENANT, AccessKind.PLATFORM) and not (
                access.kind == AccessKind.PUBLIC and access.reason):
            problems.append(f"{rule.rule} ({rule.endpoint}) names a tenant but declares no permission")
        elif access.kind == AccessKind.TENANT and writes and not access.permission.writes:
            problems.append(f"{rule.rule} ({rule.endpoint}) answers {writes} with the read permission {access.permission}")
    return problems


def test_every_route_of_the_app_declares_its_access(server_app):
    assert access_problems(server_app) == []


def test_tenant_routes_carry_a_known_tenant_permission(server_app):
    tenant_rules = [r for r in server_app.url_map.iter_rules() if names_tenant(r)]
    assert len(tenant_rules) > 40
    for rule in tenant_rules:
        access = access_of(server_app.view_functions[rule.endpoint])
        if access.kind == AccessKind.TENANT:
            assert access.permission.name in PERMISSIONS, rule.rule


def test_the_check_finds_undeclared_and_unguarded_tenant_routes():
    """The walk above can fail: a plain route, and a public one naming a tenant, are both reported."""
    app = Flask(__name__)
    plain = Blueprint("plain", __name__)
    guarded = GuardedBlueprint("guarded", __name__)

    @plain.get("/t/<tenant_slug>/secret")
    def secret(tenant_slug):
        return "secret"

    @guarded.public("/t/<tenant_slug>/logo.png")
    def logo():
        return "logo"

    @guarded.public("/tenants/<tenant_ref>/badge", reason="embedded on the tenant's own public site")
    def badge(tenant_ref):
        return "badge"

    @guarded.tenant("/members", "members.read")
    def members():
        return "members"

    app.register_blueprint(plain)
    app.register_blueprint(guarded)
    problems = access_problems(app)
    assert len(problems) == 2
    assert "/t/<tenant_slug>/secret (plain.secret) declares no access" in problems[0]
    assert "/t/<tenant_slug>/logo.png (guarded.logo) names a tenant" in problems[1]


def test_a_write_method_cannot_be_declared_with_a_read_permission():
    bp = GuardedBlueprint("x", __name__)
    with pytest.raises(ValueError, match="only reads"):
        bp.tenant("/members/<int:user_id>/role", "members.read", methods=["POST"])(lambda user_id: "")
    with pytest.raises(ValueError, match="platform permission"):
        bp.tenant("/all", "tenants.list_all")
    with pytest.raises(ValueError, match="Unknown permission"):
        bp.tenant("/x", "members.mange")


def test_the_declaration_is_on_the_view(server_app):
    view = server_app.view_functions["members.change_role"]
    assert access_of(view) == Access(AccessKind.TENANT, access_of(view).permission)
    assert access_of(view).permission.name == "members.manage" and access_of(view).permission.writes
    assert access_of(server_app.view_functions["settings.brand_css"]).permission.name == "tenant.read"
    assert access_of(server_app.view_functions["api.purge_tenant"]).kind == AccessKind.PLATFORM


def test_brand_css_of_an_unknown_or_foreign_tenant_is_404_like_every_tenant_page(client, server_app):
    from tests import factories as f
    from tests.conftest import login

    owner = f.user("owner@acme.test")
    f.tenant("acme", owner=owner)
    f.tenant("globex", owner=f.user("owner@globex.test"))
    assert client.get("/t/acme/brand.css").status_code in (302, 401)  # signed out: sign in first
    login(client, owner)
    own = client.get("/t/acme/brand.css")
    assert own.status_code == 200 and "--brand:" in own.get_data(as_text=True)
    assert "private" in own.headers["Cache-Control"]
    assert client.get("/t/globex/brand.css").status_code == 404
    assert client.get("/t/no-such-tenant/brand.css").status_code == 404
