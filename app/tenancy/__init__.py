"""Which tenant a request is about, whether the caller may act in it, and what it may do.

- `resolver` names the tenant (path, subdomain, header, JWT claim, query, session, default);
- `principal` says who is calling (a signed-in user, an API key, a JWT);
- `guard` decides access, then status, and puts the tenant into `current_tenant`.
"""
