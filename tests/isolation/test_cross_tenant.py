"""Tenant A, acting with every tenant-scoped route the app has, cannot read or write tenant B.

Two tenants with similar data (same titles, same kinds of records) on each isolation strategy.
Every route of the url_map that states a tenant permission (portal pages and JSON endpoints, the
ones other features add later included) is called as A's owner, with B's ids in the path, in the
body, in the X-Tenant-ID header and in the query. No answer may carry B's data, no answer may be a
server error, and B's documents, members, invitations, keys, settings and counters stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from app.extensions import db
from app.models import ApiKey, AuditEvent, Tenant, TenantConfig, TenantInvitation, TenantQuota, TenantUser
from app.services import documents
from app.services.audit import Actor
from app.tenancy.routes import AccessKind, access_of
from tests import factories as f
from tests.conftest import csrf_token, login
from tests.isolation.support import tenant_on
from tests.tenancy.test_route_access import names_tenant

SECRET_WORD = "zebracorn"  # only in B's data: searched for by A
NEVER_SENT = "kx93qv"  # beside it in B's data, and in no request: finding it in an answer is a leak


@dataclass
class Side:
    tenant: Tenant
    owner_key: str
    doc_ids: list[str] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    invitation_ids: list[int] = field(default_factory=list)
    key_ids: list[int] = field(default_factory=list)
    owner: object = None


def build_side(strategy: str, name: str, secret: str) -> Side:
    owner = f.user(f"owner@{name}.test", name=f"{name.title()} Owner {secret}".strip())
    tenant = tenant_on(strategy, name, owner=owner, plan="pro", name=f"{name.title()} {secret}".strip())
    side = Side(tenant=tenant, owner_key=f.api_key(tenant, "owner", name=f"{name} owner key"), owner=owner)
    member = f.member(tenant, "member", f.user(f"member@{name}.test", name=f"Member {secret}".strip()))
    side.user_ids = [member.id, owner.id]
    invitation, _ = f.invitation(tenant, f"invitee@{name}.test")
    side.invitation_ids = [invitation.id]
    f.api_key(tenant, "viewer", name=f"{name} viewer key {secret}".strip())
    side.key_ids = list(db.session.scalars(select(ApiKey.id).where(ApiKey.tenant_id == tenant.id)))
    for title, text in [("Quarterly plan", f"Targets for the quarter {secret}."),
                        ("Onboarding", f"Laptops and badges {secret}.")]:
        side.doc_ids.append(documents.create_document(
            tenant, Actor.for_user(owner), documents.Upload(title=title, content=text, tags=["plan"])).id)
    return side


def snapshot(side: Side) -> dict:
    """Everything of B a cross-tenant write could touch (security audit events are about B, not B's data)."""
    db.session.expire_all()
    tenant = db.session.get(Tenant, side.tenant.id)
    tid = tenant.id
    rows = lambda stmt: sorted(tuple(r) for r in db.session.execute(stmt).all())  # noqa: E731
    page = documents.list_documents(tenant, 1, 100)
    return {
        "tenant": (tenant.name, tenant.slug, tenant.status, tenant.plan_code, tenant.storage_used_bytes,
                   tenant.owner_id, tenant.deleted_at),
        "config": rows(select(TenantConfig.display_name, TenantConfig.timezone, TenantConfig.locale,
                              TenantConfig.brand_color).where(TenantConfig.tenant_id == tid)),
        "quotas": rows(select(TenantQuota.resource, TenantQuota.limit_value).where(TenantQuota.tenant_id == tid)),
        "members": rows(select(TenantUser.user_id, TenantUser.role, TenantUser.status)
                        .where(TenantUser.tenant_id == tid)),
        "invitations": rows(select(TenantInvitation.id, TenantInvitation.status, TenantInvitation.send_count)
                            .where(TenantInvitation.tenant_id == tid)),
        "keys": rows(select(ApiKey.id, ApiKey.revoked_at, ApiKey.role).where(ApiKey.tenant_id == tid)),
        "documents": sorted((d.id, d.title, d.size_bytes) for d in page.items),
        "audit": rows(select(AuditEvent.id, AuditEvent.action).where(
            AuditEvent.tenant_id == tid, ~AuditEvent.action.startswith("security."))),
    }


def tenant_scoped_routes(app: Flask) -> list[tuple[object, str]]:
    """(rule, method) of every route that names a tenant or is tenant-scoped; deletions last.

    Tenant-scoped routes and platform-only routes are walked (A's owner must meet a refusal on the
    latter). Nothing naming a tenant is left out silently: any other kind of rule fails here.
    """
    found = []
    unwalked = []
    for rule in app.url_map.iter_rules():
        access = access_of(app.view_functions[rule.endpoint])
        walk = access is not None and access.kind in (AccessKind.TENANT, AccessKind.PLATFORM) and (
            access.kind == AccessKind.TENANT or names_tenant(rule))
        if not walk:
            # A public page naming a tenant (an organisation's SSO sign-in page) says why in its
            # declaration; anything else naming a tenant must be walkable here.
            if names_tenant(rule) and not (access is not None and access.kind == AccessKind.PUBLIC and access.reason):
                unwalked.append(rule.rule)
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule, method))
    assert not unwalked, f"routes naming a tenant that this test cannot walk: {unwalked}"
    last = ("delete", "purge", "transfer", "leave")
    return sorted(found, key=lambda rm: (rm[1] == "DELETE" or any(w in rm[0].rule for w in last), rm[0].rule))


def path_values(rule, a: Side, b: Side, platform_endpoints: frozenset = frozenset()) -> list[dict]:
    """Values for the rule's arguments: A as the tenant, B's ids everywhere else."""
    candidates: dict[str, list] = {}
    for arg in rule.arguments:
        if arg == "tenant_slug":
            candidates[arg] = [a.tenant.slug]
        elif arg == "tenant_ref" and rule.endpoint not in platform_endpoints:
            candidates[arg] = [a.tenant.id]
        elif arg in ("tenant_ref", "tenant_id"):
            candidates[arg] = [b.tenant.id, b.tenant.slug]  # platform routes: aim straight at B
        elif isinstance(rule._converters.get(arg), IntegerConverter):
            candidates[arg] = [*b.user_ids, *b.invitation_ids, *b.key_ids]
        else:
            candidates[arg] = [*b.doc_ids, b.tenant.id, b.tenant.slug, *map(str, b.user_ids + b.invitation_ids
                                                                           + b.key_ids)]
    longest = max((len(v) for v in candidates.values()), default=1)
    return [{arg: values[i % len(values)] for arg, values in candidates.items()} for i in range(longest)]


def hostile_body(b: Side) -> dict:
    return {"tenant_id": b.tenant.id, "tenant": b.tenant.slug, "tenant_ref": b.tenant.id,
            "document_id": b.doc_ids[0], "doc_id": b.doc_ids[0], "id": b.doc_ids[0], "user_id": b.user_ids[0],
            "invitation_id": b.invitation_ids[0], "key_id": b.key_ids[0], "email": "member@bravo.test",
            "role": "viewer", "title": "Written by A", "content": "Written by A", "name": "Written by A",
            "plan": "basic", "reason": "cross-tenant probe", "q": SECRET_WORD, "query": SECRET_WORD}


def leaked(body: str, b: Side, status: int = 200, sent: str = "") -> list[str]:
    """B's never-sent marker anywhere; B's document ids in a successful answer that did not echo them."""
    markers = [NEVER_SENT]
    if status < 400:
        markers += [d for d in b.doc_ids if d not in sent]
    return [m for m in markers if m in body]


def test_tenant_a_cannot_see_or_change_tenant_b_through_any_route(server_app, client, strategy):
    a = build_side(strategy, "alpha", "")
    b = build_side(strategy, "bravo", f"{SECRET_WORD} {NEVER_SENT}")
    before = snapshot(b)
    adapter = server_app.url_map.bind("portal.test")
    routes = tenant_scoped_routes(server_app)
    platform = frozenset(r.endpoint for r, _ in routes
                         if access_of(server_app.view_functions[r.endpoint]).kind == AccessKind.PLATFORM)
    assert {"api.purge_tenant", "admin.purge", "admin.impersonate"} <= platform
    assert any(r.endpoint == "api.rag_search" for r, _ in routes) and any(r.endpoint == "workspace.index"
                                                                            for r, _ in routes)
    login(client, a.owner)
    token = csrf_token(client, f"/t/{a.tenant.slug}/knowledge")
    problems: list[str] = []
    calls = 0
    statuses: dict[int, int] = {}
    for rule, method in routes:
        is_api = rule.rule.startswith("/api/")
        for values in path_values(rule, a, b, platform):
            path = adapter.build(rule.endpoint, values, method=method)
            variants = ([{}, {"X-Tenant-ID": b.tenant.id}, {"query": {"tenant_id": b.tenant.id}}] if is_api
                        else [{}, {"X-Tenant-ID": b.tenant.id}])
            for variant in variants:
                variant = dict(variant)
                query = {"q": SECRET_WORD, "query": SECRET_WORD, **variant.pop("query", {})}
                headers = {**variant}
                kwargs: dict = {"query_string": query, "headers": headers}
                if is_api:
                    headers["Authorization"] = f"Bearer {a.owner_key}"
                    if method in ("POST", "PUT", "PATCH"):
                        kwargs["json"] = hostile_body(b)
                elif method == "POST":
                    kwargs["data"] = {"csrf_token": token, **hostile_body(b)}
                response = client.open(path, method=method, **kwargs)
                calls += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                text = response.get_data(as_text=True)
                where = f"{method} {path} {variant or ''} -> {response.status_code}"
                if response.status_code >= 500:
                    problems.append(f"server error: {where}")
                found = leaked(text, b, response.status_code, path)
                if found:
                    problems.append(f"leaks {found}: {where}")
    assert calls > 50
    print(f"{calls} calls: " + ", ".join(f"{k}x{v}" for k, v in sorted(statuses.items())))
    assert not problems, "\n".join(problems)
    assert snapshot(b) == before


def test_tenant_a_still_sees_its_own_similar_data(client, strategy):
    """The other half of the proof: the same calls do find A's data, so the silence about B means something."""
    a = build_side(strategy, "alpha", "")
    b = build_side(strategy, "bravo", f"{SECRET_WORD} {NEVER_SENT}")
    headers = {"Authorization": f"Bearer {a.owner_key}"}
    listed = client.get("/api/v1/documents", headers=headers).get_json()
    assert sorted(d["id"] for d in listed["items"]) == sorted(a.doc_ids)
    found = client.get("/api/v1/rag/search?query=quarterly plan", headers=headers).get_json()["results"]
    assert found and {r["document_id"] for r in found} <= set(a.doc_ids)
    for doc_id in b.doc_ids:
        assert client.get(f"/api/v1/documents/{doc_id}", headers=headers).status_code == 404
    login(client, a.owner)
    page = client.get(f"/t/{a.tenant.slug}/knowledge?q=quarterly").get_data(as_text=True)
    assert a.doc_ids[0] in page and not leaked(page, b)
    assert all(client.get(f"/t/{a.tenant.slug}/knowledge/{d}").status_code == 404 for d in b.doc_ids)
    # And B, searching its own secret, does see the marker a leak would show.
    own = client.get(f"/api/v1/rag/search?query={SECRET_WORD}", headers={"Authorization": f"Bearer {b.owner_key}"})
    assert NEVER_SENT in own.get_data(as_text=True)
