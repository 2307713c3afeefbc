// A real OpenID provider (the certified `oidc-provider` package) for the SSO tests, on 127.0.0.1.
// Started once per test session by tests/sso/idps.py; prints {"issuer": ...} on its first line.
//
// Environment: REGISTRATION_TOKEN (initial access token for dynamic client registration, which
// the tests use to register the portal's redirect URI), ACCOUNTS (JSON {login: {email, name, groups}}).
// Test control (not part of OIDC): PUT /__test/accounts/<login> replaces an account's claims,
// DELETE removes it (a person deprovisioned at the IdP).
import http from "node:http";
import Provider from "oidc-provider";

const accounts = JSON.parse(process.env.ACCOUNTS || "{}");
const server = http.createServer();

server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [],
    features: {
      registration: { enabled: true, initialAccessToken: process.env.REGISTRATION_TOKEN || "test-registration" },
      devInteractions: { enabled: true },
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
    scopes: ["openid", "email", "profile", "offline_access"],
    // Claims in the ID token itself (the portal reads the ID token, not userinfo).
    conformIdTokenClaims: false,
    cookies: { keys: ["tenantry-test-idp-only"] },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, async claims() { return { sub: id, email_verified: true, ...account }; } };
    },
    // The test client is trusted: no consent screen, only the login page.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope("openid email profile");
      grant.addOIDCClaims(["sub", "email", "email_verified", "name", "groups"]);
      await grant.save();
      return grant;
    },
  });
  provider.on("server_error", (ctx, err) => console.error("idp server_error", err));
  const handler = provider.callback();
  server.on("request", (req, res) => {
    const match = req.url.match(/^\/__test\/accounts\/([^/?]+)$/);
    if (!match) return handler(req, res);
    const login = decodeURIComponent(match[1]);
    if (req.method === "DELETE") {
      delete accounts[login];
      res.writeHead(204).end();
      return;
    }
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => {
      accounts[login] = JSON.parse(body || "{}");
      res.writeHead(204).end();
    });
  });
  console.log(JSON.stringify({ issuer }));
});

process.on("SIGTERM", () => server.close(() => process.exit(0)));
