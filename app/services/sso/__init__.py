"""Enterprise single sign-on, per tenant: connections (OIDC, SAML 2.0, LDAP), the protocol flows,
just-in-time provisioning and the "Require SSO" policy. See docs/sso.md."""
