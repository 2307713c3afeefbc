"""What this SCIM service provider serves and announces (RFC 7643 §5-§7), built from scim2-models.

Users carry the enterprise extension (Entra ID and Okta send it); Groups are the core schema.
Filtering is announced, with the few filters the storage answers (`userName eq`, `externalId eq`,
`displayName eq`; the rest is 400 invalidFilter). PATCH and ETags are supported; bulk, sorting and
password changes are not (passwords are the person's own, never the directory's).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import EmailStr
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    Email,
    EnterpriseUser,
    ETag,
    External,
    Filter,
    Group,
    GroupMember,
    Mutability,
    Patch,
    Reference,
    Required,
    ResourceType,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_server.service import ScimService

MAX_RESULTS = 100


class DirectoryEmail(Email):
    value: Annotated[EmailStr | None, Required.true] = None


class DirectoryGroupMember(GroupMember):
    """A member is its `value`, `$ref` and `type`; `display` is not stored, so it is not the client's to write."""

    display: Annotated[str | None, Mutability.read_only] = None


class DirectoryGroup(Group):
    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")
    members: list[DirectoryGroupMember] | None = None


class DirectoryUser(User):
    """The core User schema with `emails` required: every account here is an email address.

    userName is kept as the directory sends it (Entra's may be any unique string); the account's
    email is userName when it is one, else the primary (or work) email.
    """

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")
    emails: Annotated[list[DirectoryEmail] | None, Required.true] = None

CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=True),
    authentication_schemes=[AuthenticationScheme(
        type=AuthenticationScheme.Type.oauthbearertoken, name="SCIM token",
        description="A tenant's SCIM token (Settings > Directory sync), as Authorization: Bearer <token>.",
        spec_uri=Reference[External]("https://www.rfc-editor.org/rfc/rfc6750"), primary=True)],
)

PROVIDER = ScimProvider(
    models=[DirectoryUser, EnterpriseUser, DirectoryGroup],
    resource_types=[ResourceType.from_resource(DirectoryUser[EnterpriseUser]),
                    ResourceType.from_resource(DirectoryGroup)],
    config=CONFIG,
)

class Service(ScimService):
    """scim2-server's protocol, answering a PATCH with the resource (200) rather than 204.

    RFC 7644 §3.5.2 allows either; Okta reads the updated user from the PATCH response.
    """

    def patch_response(self, base_url, resource, response_parameters):
        published = self.publish(base_url, resource)
        return self.resource_response(published, Context.RESOURCE_REPLACEMENT_RESPONSE, response_parameters)


# Stateless (it neither reads nor writes resources): one for the process.
SERVICE = Service(PROVIDER)
