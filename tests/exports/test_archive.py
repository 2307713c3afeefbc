"""The export zip: every part, as JSON and CSV, the documents as files, no secrets, nothing of another tenant."""

from __future__ import annotations

import io
import json
import zipfile

from app.services import documents, exports, roles, storage
from app.services.audit import Actor
from app.services.authority import Authority
from tests import factories as f
from tests.isolation.support import tenant_on

SYSTEM = Actor.system()
OPERATOR = Authority.system()


def test_the_zip_holds_every_part_and_nothing_of_another_tenant(app, strategy):
    mine, theirs = tenant_on(strategy, plan="pro"), tenant_on(strategy, plan="pro")
    for tenant, word in ((mine, "alpha"), (theirs, "bravo")):
        documents.create_document(tenant, SYSTEM, documents.Upload(title=f"{word} plan", content=f"The {word} plan."))
        admin = f.member(tenant, "admin", f.user(f"{word}-admin@example.test"))
        f.invitation(tenant, f"{word}-invitee@example.test")
        role = roles.create_role(tenant, OPERATOR, name=f"{word} clerk", description=f"{word} bills",
                                 permissions=["billing.read"])
        roles.set_member_roles(tenant, admin.id, [role.key], OPERATOR)
    mine_key = f.api_key(mine, "admin", name="alpha key")
    f.api_key(theirs, "admin", name="bravo key")
    seen: list[tuple[int, str]] = []

    data = exports.build_archive(mine, progress=lambda percent, part: seen.append((percent, part)))

    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    for part in exports.PARTS:
        assert {f"{part}.json", f"{part}.csv"} <= names
    everything = b"".join(archive.read(name) for name in names).decode()
    assert "alpha-admin@example.test" in everything and "alpha-invitee@example.test" in everything
    assert "alpha key" in everything and "The alpha plan." in everything
    assert "bravo" not in everything and theirs.id not in everything
    assert mine_key not in everything and "key_hash" not in everything and "token_hash" not in everything
    listed = json.loads(archive.read("documents.json"))
    assert [archive.read(doc["path"]).decode() for doc in listed] == ["The alpha plan."]
    assert json.loads(archive.read("organisation.json"))["id"] == mine.id
    listed_roles = json.loads(archive.read("roles.json"))
    assert [r["key"] for r in listed_roles if r["builtin"]] == ["owner", "admin", "member", "viewer"]
    assert [(r["name"], r["permissions"], r["members"]) for r in listed_roles if not r["builtin"]] == [
        ("alpha clerk", ["billing.read"], 1)]
    assert "billing.manage" in next(r for r in listed_roles if r["key"] == "owner")["permissions"]
    admin_row = next(m for m in json.loads(archive.read("members.json")) if m["email"] == "alpha-admin@example.test")
    assert admin_row["custom_roles"] == ["alpha-clerk"] and admin_row["joined_at"]
    assert seen[-1] == (100, "documents") and [p for p, _ in seen] == sorted(p for p, _ in seen)


def test_the_job_built_export_holds_this_tenants_documents_only(app, strategy):
    mine, theirs = tenant_on(strategy), tenant_on(strategy)
    documents.create_document(mine, SYSTEM, documents.Upload(title="alpha memo", content="The alpha memo."))
    documents.create_document(theirs, SYSTEM, documents.Upload(title="bravo memo", content="The bravo memo."))
    someone = f.member(mine, "owner")
    owner = Authority.member(Actor(user_id=someone.id, label=someone.email), mine, "owner")

    export = exports.request(mine, owner)

    done = exports.get_export(mine, export.id)
    assert done.status == "done"
    archive = zipfile.ZipFile(io.BytesIO(storage.read(mine.id, exports.AREA, done.storage_key)))
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert "The alpha memo." in everything and "bravo" not in everything and theirs.id not in everything
