"""What this SCIM service provider serves and announces (RFC 7643 §5-§7), built from scim2-models.

Users carry the enterprise extension (Entra ID and Okta send it); Groups are the core schema.
Filtering is announced, with the few filters the storage answers (`userName eq`, `externalId eq`,
`displayName eq`; the rest is 400 invalidFilter). PATCH and ETags are supported; bulk, sorting and
password changes are not (passwords are the person's own, never the directory's).
"""

from __future__ import annotations

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    External,
    Filter,
    Group,
    Patch,
    Reference,
    ResourceType,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_server.service import ScimService

MAX_RESULTS = 100

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
    models=[User, EnterpriseUser, Group],
    resource_types=[ResourceType.from_resource(User[EnterpriseUser]), ResourceType.from_resource(Group)],
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
