"""The scim2-server storage of one tenant: SCIM resources in, `services.directory.provisioning` calls out.

scim2-server does the protocol (parsing and validating bodies with scim2-models, PATCH, ETags,
attribute projection, list responses); this class only translates between its resources and the
directory's records, and the directory's errors into SCIM errors (RFC 7644 §3.12).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scim2_models import (
    ConflictException,
    ForbiddenException,
    InvalidFilterException,
    InvalidValueException,
    MutabilityException,
    NotFoundException,
    NotImplementedException,
    PreconditionFailedException,
    Resource,
    ResourceType,
    ResponseParameters,
    SCIMException,
    SearchRequest,
    UniquenessException,
)
from scim2_models.path import CompareOperator, Comparison
from scim2_server.storage import ScimStorage, SearchPage

from app.models import ScimGroup, ScimUser, Tenant
from app.scim.provider import PROVIDER
from app.services.authority import Authority
from app.services.directory import provisioning
from app.services.directory.provisioning import DirectoryConflict, GroupRecord, PreconditionFailed, UserRecord
from app.services.errors import DomainError, LastOwner, NotFound, PermissionDenied, QuotaExceeded

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
# The filters the directory answers in SQL: attribute URN -> keyword of the service's query.
USER_FILTERS = {f"{USER_URN}:userName": "user_name", f"{USER_URN}:externalId": "external_id"}
GROUP_FILTERS = {f"{GROUP_URN}:displayName": "display_name", f"{GROUP_URN}:externalId": "external_id"}
# Computed or never stored: the server's, or a secret.
NOT_STORED = {"id", "meta", "groups", "members", "password"}
_VERSION = re.compile(r'^(?:W/)?"(\d+)"$')


class QuotaExceededException(ForbiddenException):
    """The plan's users quota is full. RFC 7644 §3.12 has no keyword for it, so it gets its own."""

    scim_type = "quotaExceeded"


def version_of(row: ScimUser | ScimGroup) -> str:
    return f'W/"{row.version}"'


def _expected(version: str | None) -> int | None:
    if version is None:
        return None
    match = _VERSION.match(version)
    if match is None:
        raise PreconditionFailedException(detail="That version is not one this server gave.")
    return int(match.group(1))


@contextmanager
def scim_errors() -> Iterator[None]:
    """The directory's errors as SCIM errors, each with the status RFC 7644 §3.12 gives it."""
    try:
        yield
    except SCIMException:
        raise
    except NotFound as exc:
        raise NotFoundException(detail=exc.message) from None
    except DirectoryConflict as exc:
        raise UniquenessException(detail=exc.message) from None
    except PreconditionFailed as exc:
        raise PreconditionFailedException(detail=exc.message) from None
    except QuotaExceeded as exc:
        raise QuotaExceededException(detail=exc.message) from None
    except LastOwner as exc:
        raise MutabilityException(detail=exc.message) from None
    except PermissionDenied as exc:
        raise ForbiddenException(detail=exc.message) from None
    except DomainError as exc:
        if exc.http_status == 409:
            raise ConflictException(detail=exc.message) from None
        field = f"{exc.field}: " if exc.field else ""
        raise InvalidValueException(detail=f"{field}{exc.message}") from None


def _iso(moment) -> str:
    return moment.isoformat()


def _email_of(doc: dict[str, Any]) -> str:
    """The account's email: userName when it is one (Okta, most Entra setups), else the primary email."""
    user_name = str(doc.get("userName") or "")
    if "@" in user_name:
        return user_name
    emails = [e for e in doc.get("emails") or [] if isinstance(e, dict) and e.get("value")]
    chosen = next((e for e in emails if e.get("primary")), None) or next(
        (e for e in emails if e.get("type") == "work"), None) or (emails[0] if emails else None)
    if chosen is None:
        raise InvalidValueException(detail="userName is not an email address and no emails value is given: "
                                           "an account needs an email.")
    return str(chosen["value"])


def _display_name_of(doc: dict[str, Any]) -> str:
    name = doc.get("name") or {}
    joined = " ".join(part for part in (name.get("givenName"), name.get("familyName")) if part)
    return str(doc.get("displayName") or name.get("formatted") or joined or "")


class TenantDirectory(ScimStorage):
    """One tenant's users and groups, acting with the SCIM token's authority."""

    def __init__(self, tenant: Tenant, authority: Authority) -> None:
        self.tenant = tenant
        self.authority = authority

    # --- resources out -----------------------------------------------------------------

    def _user(self, row: ScimUser, groups: list[ScimGroup]) -> Resource[Any]:
        data = dict(row.attributes)
        data.update(id=row.id, userName=row.user_name,
                    groups=[{"value": g.id, "display": g.display_name, "$ref": f"Groups/{g.id}", "type": "direct"}
                            for g in groups] or None,
                    meta={"resourceType": "User", "created": _iso(row.created_at),
                          "lastModified": _iso(row.updated_at), "version": version_of(row)})
        if row.external_id is not None:
            data["externalId"] = row.external_id
        return PROVIDER.model_for("User").model_validate(data)

    def _group(self, row: ScimGroup, members: list[str]) -> Resource[Any]:
        data = dict(row.attributes)
        data.update(id=row.id, displayName=row.display_name,
                    members=[{"value": uid, "$ref": f"Users/{uid}", "type": "User"} for uid in members] or None,
                    meta={"resourceType": "Group", "created": _iso(row.created_at),
                          "lastModified": _iso(row.updated_at), "version": version_of(row)})
        if row.external_id is not None:
            data["externalId"] = row.external_id
        return PROVIDER.model_for("Group").model_validate(data)

    def _users(self, rows: list[ScimUser]) -> list[Resource[Any]]:
        groups = provisioning.groups_of_users([r.id for r in rows])
        return [self._user(r, groups[r.id]) for r in rows]

    def _groups(self, rows: list[ScimGroup]) -> list[Resource[Any]]:
        members = provisioning.member_ids([r.id for r in rows])
        return [self._group(r, members[r.id]) for r in rows]

    # --- resources in ------------------------------------------------------------------

    @staticmethod
    def _document(resource: Resource[Any]) -> dict[str, Any]:
        doc = resource.model_dump(mode="json", exclude_none=True)
        return {k: v for k, v in doc.items() if k not in NOT_STORED}

    def _user_record(self, resource: Resource[Any]) -> UserRecord:
        doc = self._document(resource)
        return UserRecord(user_name=str(doc.pop("userName", "") or ""), email=_email_of(resource.model_dump(
            mode="json", exclude_none=True)), display_name=_display_name_of(doc),
            # `active` stays in the document as sent (a client may remove it); absent means active.
            external_id=doc.pop("externalId", None), active=doc.get("active", True) is not False, attributes=doc)

    def _group_record(self, resource: Resource[Any]) -> GroupRecord:
        members = [m.value for m in (getattr(resource, "members", None) or []) if m.value]
        doc = self._document(resource)
        return GroupRecord(display_name=str(doc.pop("displayName", "") or ""), external_id=doc.pop("externalId", None),
                           member_ids=members, attributes=doc)

    # --- the storage interface ---------------------------------------------------------

    @contextmanager
    def operation(self) -> Iterator[None]:
        with scim_errors():
            yield

    def get(self, resource_type: ResourceType, resource_id: str, *,
            response_parameters: ResponseParameters[Any] | None = None) -> Resource[Any]:
        with scim_errors():
            if resource_type.name == "User":
                return self._users([provisioning.get_user(self.tenant, resource_id)])[0]
            return self._groups([provisioning.get_group(self.tenant, resource_id)])[0]

    def search(self, resource_types: list[ResourceType], search_request: SearchRequest[Any], *,
               position: Any = None) -> SearchPage:
        if len(resource_types) != 1:
            raise NotImplementedException(detail="Search /Users or /Groups; a search at the root is not supported.")
        resource_type = resource_types[0]
        is_user = resource_type.name == "User"
        filters = self._filters(search_request, USER_FILTERS if is_user else GROUP_FILTERS)
        offset = search_request.start_index_0 or 0
        with scim_errors():
            if is_user:
                total, rows = provisioning.page_users(self.tenant, offset, search_request.count, **filters)
                return SearchPage(total, self._users(rows))
            total, groups = provisioning.page_groups(self.tenant, offset, search_request.count, **filters)
            return SearchPage(total, self._groups(groups))

    @staticmethod
    def _filters(search_request: SearchRequest[Any], supported: dict[str, str]) -> dict[str, str]:
        scim_filter = search_request.filter
        if scim_filter is None:
            return {}
        node = scim_filter.ast
        if isinstance(node, Comparison) and node.op == CompareOperator.eq and isinstance(node.value, str):
            binding = scim_filter.resolve_comparison(node.attr_path, strict=False)
            if binding is not None and binding.urn in supported:
                return {supported[binding.urn]: node.value}
        names = ", ".join(f'{urn.rsplit(":", 1)[1]} eq "..."' for urn in supported)
        raise InvalidFilterException(detail=f"This server filters only with {names}.")

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        with scim_errors():
            if resource_type.name == "User":
                row = provisioning.create_user(self.tenant, self._user_record(resource), self.authority)
                return self._users([row])[0]
            group = provisioning.create_group(self.tenant, self._group_record(resource), self.authority)
            return self._groups([group])[0]

    def update(self, resource_type: ResourceType, resource: Resource[Any], *,
               expected_version: str | None = None) -> Resource[Any]:
        expected = _expected(expected_version)
        with scim_errors():
            if resource_type.name == "User":
                row = provisioning.update_user(self.tenant, str(resource.id), self._user_record(resource),
                                               self.authority, expected_version=expected)
                return self._users([row])[0]
            group = provisioning.update_group(self.tenant, str(resource.id), self._group_record(resource),
                                              self.authority, expected_version=expected)
            return self._groups([group])[0]

    def delete(self, resource_type: ResourceType, resource_id: str, *, expected_version: str | None = None) -> None:
        expected = _expected(expected_version)
        with scim_errors():
            if resource_type.name == "User":
                provisioning.delete_user(self.tenant, resource_id, self.authority, expected_version=expected)
            else:
                provisioning.delete_group(self.tenant, resource_id, self.authority, expected_version=expected)
