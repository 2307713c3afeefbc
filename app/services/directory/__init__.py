"""Directory sync (SCIM 2.0): the tenant's SCIM tokens (`tokens`) and what provisioning does to
accounts, memberships and sessions (`provisioning`). The protocol itself is `app/scim`."""
