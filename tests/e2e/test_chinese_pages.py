"""The portal in Chinese, in a real browser: an owner's and a platform admin's pages with `zh-CN`
show no English sentence. Every visible text node is read; what is left after removing the test's own
data (names, emails, slugs) and a short allow-list of names and codes must contain no English word.
Each page also passes check_page (axe, no sideways scroll at 390 px with Chinese text); screenshots
at 1440 px and 390 px go to tests/e2e/artifacts/zh-*.png."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import User
from tests import factories as f
from tests.e2e.conftest import check_page

# Names and technical words that stay in Latin letters in a Chinese console.
ALLOWED = {
    "Shanghai",  # an IANA time-zone name, as the time-zone search matches it
    "Tenantry", "English", "API", "SSO", "SCIM", "Webhook", "Webhooks", "CSV", "JSON", "OIDC", "SAML", "LDAP", "OpenID", "Connect", "UTC",
    "GiB", "MiB", "KiB", "TiB", "TXT", "DNS", "URL", "URI", "IdP", "SP", "ACS", "DN", "ID", "Markdown", "HTMX",
    "Free", "Basic", "Professional", "Enterprise",  # plan names are product names, and their codes:
    "free", "basic", "pro", "enterprise",
    "Google", "Workspace", "Microsoft", "Entra", "Okta", "Authenticator", "Aegis", "StartTLS", "LDAPS", "TLS",
    "Bearer", "Authorization", "X-API-Key", "https", "http", "row", "schema", "database",
    "UTF-", "txt", "md", "PDF", "pdf", "zip", "Chrome", "Chromium", "Linux", "HeadlessChrome", "Windows", "macOS",
}
TEXT_NODES = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    if (el.closest('script, style, code, pre, kbd, samp, [translate="no"], [hidden], .visually-hidden')) continue;
    const option = el.closest('option');
    if (option && option.value.includes('/')) continue;  // IANA time zone names are identifiers
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    out.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
    for (const a of ['placeholder', 'aria-label', 'title']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
  }
  return out;
}"""


def english_left(texts: list[str], data: set[str]) -> list[str]:
    """The texts that still hold an English word once data values and allowed words are removed."""
    found = []
    for text in texts:
        rest = re.sub(r"\S+@\S+|https?://\S+|\b[A-Z]\w+/[\w/+-]+|/\S*|\b[\w-]+\.[\w.-]+\b|\bsk_\w+|#[0-9a-fA-F]{3,8}", " ", text)
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", rest) if w not in ALLOWED]
        if words:
            found.append(f"{text!r} (words: {', '.join(words)})")
    return found


@pytest.fixture
def zh_context(new_context):
    def make(width: int = 1440, height: int = 900):
        context = new_context(locale="zh-CN", viewport={"width": width, "height": height})
        return context.new_page()
    return make


def _sign_in(page, email: str) -> None:
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(f.PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()


def _walk(page, paths: list[str], data: set[str], prefix: str) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
        page.wait_for_load_state("networkidle")
        problems += [f"{path}: {line}" for line in english_left(page.evaluate(TEXT_NODES), data)]
        name = prefix + (path.strip("/").replace("/", "-") or "home")
        check_page(page, name)  # axe, no sideways scroll at 390 px with Chinese text, both screenshots
    return problems


OWNER_PAGES = ["/t/acme/", "/t/acme/members", "/t/acme/invitations", "/t/acme/plan", "/t/acme/keys",
               "/t/acme/audit", "/t/acme/settings", "/t/acme/settings/sso", "/t/acme/settings/domains", "/t/acme/settings/exports", "/t/acme/knowledge",
               "/account"]
ADMIN_PAGES = ["/admin/", "/admin/tenants", "/admin/tenants/{tenant_id}", "/admin/users", "/admin/audit", "/admin/emails"]


def _data() -> tuple[set[str], User, User, str]:
    """Acme, a Chinese-speaking team (the organisation's language is Chinese), and a platform admin whose
    browser asks for Chinese."""
    owner = f.user("olga@acme.test", name="Olga Owner")
    tenant = f.tenant("acme", owner=owner, name="Acme", plan="basic")
    tenant.config.locale = "zh"
    f.member(tenant, "admin", f.user("adam@acme.test", name="Adam Admin"))
    f.invitation(tenant, "new@acme.test")
    admin = f.user("root@platform.test", name="Pat Platform")
    admin.is_platform_admin = True
    db.session.commit()
    return {"Olga Owner", "Adam Admin", "Pat Platform", "Acme", "acme", str(tenant.id)}, owner, admin, str(tenant.id)


def test_an_owner_meets_no_english_sentence(zh_context, live_server):
    data, owner, _, _ = _data()
    page = zh_context()
    _sign_in(page, owner.email)
    problems = _walk(page, OWNER_PAGES, data, "zh-owner-")
    assert not problems, "English left on Chinese pages:\n" + "\n".join(problems[:40])


def test_a_platform_admin_runs_the_console_in_chinese(zh_context, live_server):
    data, _, admin, tenant_id = _data()
    page = zh_context()
    _sign_in(page, admin.email)
    problems = _walk(page, [p.format(tenant_id=tenant_id) for p in ADMIN_PAGES], data, "zh-admin-")
    assert not problems, "English left on Chinese pages:\n" + "\n".join(problems[:40])
