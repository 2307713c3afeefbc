"""Verified domains: a tenant proves it owns a mail domain with a DNS TXT record.

A domain is verified by one tenant only. Verified domains decide where an email-first sign-in
offers single sign-on, and which identities a tenant's IdP may vouch for (services.sso).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
from flask_babel import gettext
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Tenant, TenantDomain
from app.models.types import utcnow
from app.services.audit import Actor, record, record_now
from app.services.errors import Conflict, NotFound, ValidationError
from app.services.pagination import Page, paginate
from app.services.transaction import unit_of_work

CHALLENGE_PREFIX = "_tenantry-challenge"
TOKEN_PREFIX = "tenantry-verification="
DOMAIN_RE = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
MAX_DOMAINS_PER_TENANT = 50
DNS_TIMEOUT_SECONDS = 5.0

# Mail providers anyone can get an address at: owning one of their addresses proves nothing about
# an organisation, so no tenant may claim them.
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "msn.com",
    "yahoo.com", "yahoo.co.uk", "yahoo.co.jp", "ymail.com", "aol.com", "icloud.com", "me.com", "mac.com",
    "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com",
    "zoho.com", "yandex.ru", "yandex.com", "mail.ru", "qq.com", "163.com", "126.com", "sina.com",
    "sohu.com", "aliyun.com", "naver.com", "daum.net", "hanmail.net", "fastmail.com", "tutanota.com",
    "hey.com", "orange.fr", "free.fr", "laposte.net", "t-online.de", "libero.it", "rediffmail.com",
})


def normalize_domain(value: str | None) -> str:
    """A lowercased domain name ("Example.COM." -> "example.com"), or `ValidationError` (field `domain`)."""
    if value is not None and not isinstance(value, str):
        raise ValidationError(gettext("Domain must be text."), field="domain")
    if value is not None and len(value) > 253:
        raise ValidationError(gettext("Domain must be at most 253 characters."), field="domain")
    domain = (value or "").strip().lower().rstrip(".")
    if domain.startswith("@"):
        domain = domain[1:]
    if not domain:
        raise ValidationError(gettext("Domain is required."), field="domain")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(gettext("%(value)s is not a domain name.", value=repr(value)), field="domain") from None
    if not DOMAIN_RE.match(domain):
        raise ValidationError(gettext("%(value)s is not a domain name like example.com.", value=repr(value)), field="domain")
    if domain in PUBLIC_MAIL_DOMAINS:
        raise ValidationError(gettext("%(domain)s is a public mail provider: anyone can have an address there, so no organisation can claim it.", domain=domain), field="domain", code="public_mail_domain")
    return domain


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def txt_name(domain: TenantDomain) -> str:
    """The DNS name the TXT record goes under."""
    return f"{CHALLENGE_PREFIX}.{domain.domain}"


def txt_value(domain: TenantDomain) -> str:
    return TOKEN_PREFIX + domain.token


def domains_query(tenant: Tenant) -> Select:
    return select(TenantDomain).where(TenantDomain.tenant_id == tenant.id).order_by(TenantDomain.domain,
                                                                                   TenantDomain.id)


def list_domains(tenant: Tenant) -> list[TenantDomain]:
    return list(db.session.scalars(domains_query(tenant)))


def page_domains(tenant: Tenant, page: int, per_page: int) -> Page[TenantDomain]:
    return paginate(domains_query(tenant), page, per_page)


def get_domain(tenant: Tenant, domain_id: int | str) -> TenantDomain:
    """One of this tenant's domains; another tenant's is simply not found."""
    try:
        did = int(domain_id)
    except (TypeError, ValueError):
        raise NotFound(gettext("Domain not found."), code="domain_not_found") from None
    found = db.session.scalar(select(TenantDomain).where(TenantDomain.tenant_id == tenant.id, TenantDomain.id == did))
    if found is None:
        raise NotFound(gettext("Domain not found."), code="domain_not_found")
    return found


def verified_owner(domain: str) -> TenantDomain | None:
    """The verified claim on `domain`, whichever tenant holds it."""
    return db.session.scalar(select(TenantDomain).where(TenantDomain.domain == domain,
                                                        TenantDomain.status == "verified"))


def tenant_has_verified_domain(tenant: Tenant, domain: str) -> bool:
    """Whether `tenant` has proved it owns `domain` (e.g. the domain of a sign-up's email)."""
    claim = verified_owner((domain or "").strip().lower())
    return claim is not None and claim.tenant_id == tenant.id


def add_domain(tenant: Tenant, value: str, actor: Actor) -> TenantDomain:
    """Claim a domain (pending until verified); returns it with the TXT record to publish."""
    domain = normalize_domain(value)
    claim = verified_owner(domain)
    if claim is not None:
        if claim.tenant_id == tenant.id:
            raise Conflict(gettext("%(domain)s is already verified for this organisation.", domain=domain), field="domain",
                           code="domain_exists")
        # Claiming another tenant's domain is how one would aim an IdP at its people: a security event.
        record_now("security.domain_claim_refused", actor, tenant_id=tenant.id, target_type="domain",
                   target_id=claim.id, details={"domain": domain, "verified_by": claim.tenant_id})
        raise Conflict(gettext("%(domain)s is verified by another organisation. If it is yours, contact support.", domain=domain),
                       field="domain", code="domain_taken")
    if db.session.scalar(select(TenantDomain.id).where(TenantDomain.tenant_id == tenant.id,
                                                       TenantDomain.domain == domain)) is not None:
        raise Conflict(gettext("%(domain)s is already on this organisation's list.", domain=domain), field="domain", code="domain_exists")
    if len(list_domains(tenant)) >= MAX_DOMAINS_PER_TENANT:
        raise ValidationError(gettext("An organisation can claim at most %(max_domains_per_tenant)s domains.", max_domains_per_tenant=MAX_DOMAINS_PER_TENANT), field="domain")
    with unit_of_work():
        claimed = TenantDomain(tenant_id=tenant.id, domain=domain, status="pending",
                               token=secrets.token_urlsafe(24), created_at=utcnow())
        db.session.add(claimed)
        db.session.flush()
        record("domain.added", actor, tenant_id=tenant.id, target_type="domain", target_id=claimed.id,
               details={"domain": domain})
    return claimed


def lookup_txt(name: str, resolver_address: str | None = None, timeout: float = DNS_TIMEOUT_SECONDS) -> list[str]:
    """The TXT strings at `name`, asked over DNS; `resolver_address` "host:port" names the server
    (`DNS_RESOLVER`), else the system's resolver. No answer (NXDOMAIN, no record) is an empty list."""
    if resolver_address:
        host, _, port = resolver_address.rpartition(":")
        query = dns.message.make_query(dns.name.from_text(name), dns.rdatatype.TXT)
        response = dns.query.udp(query, host.strip("[]"), port=int(port), timeout=timeout)
        if response.flags & dns.flags.TC:
            response = dns.query.tcp(query, host.strip("[]"), port=int(port), timeout=timeout)
        if response.rcode() != dns.rcode.NOERROR:
            return []
        rrsets = [r for r in response.answer if r.rdtype == dns.rdatatype.TXT]
    else:
        try:
            rrsets = [dns.resolver.resolve(name, "TXT", lifetime=timeout).rrset]
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
    return [b"".join(item.strings).decode("utf-8", "replace") for rrset in rrsets for item in rrset]


def verify_domain(tenant: Tenant, domain_id: int | str, actor: Actor, *, resolver_address: str | None = None,
                  now: datetime | None = None) -> TenantDomain:
    """Look the TXT record up; verified if it holds the token (and no other tenant verified it first).

    Raises `ValidationError` (code `domain_not_verified`) naming what was found, so the admin can fix it.
    """
    claimed = get_domain(tenant, domain_id)
    if claimed.status == "verified":
        return claimed
    now = now or utcnow()
    name = txt_name(claimed)
    try:
        found = lookup_txt(name, resolver_address)
    except (dns.exception.DNSException, OSError) as exc:
        raise ValidationError(gettext("The DNS lookup of %(name)s failed (%(error)s). Try again in a minute.", name=name, error=exc.__class__.__name__),
                              field="domain", code="dns_lookup_failed") from None
    if txt_value(claimed) not in found:
        with unit_of_work():
            claimed.last_checked_at = now
        seen = ", ".join(repr(v) for v in found[:3]) or "no TXT record"
        raise ValidationError(gettext("%(name)s has %(seen)s; add a TXT record with the value %(claimed)s and try again (DNS changes can take a few minutes).", name=name, seen=seen, claimed=txt_value(claimed)), field="domain",
                              code="domain_not_verified", details={"txt_name": name, "found": found[:10]})
    try:
        with unit_of_work():
            claimed.status = "verified"
            claimed.verified_at = now
            claimed.last_checked_at = now
            record("domain.verified", actor, tenant_id=tenant.id, target_type="domain", target_id=claimed.id,
                   details={"domain": claimed.domain})
    except IntegrityError:
        # The unique index on verified domains: another tenant verified it a moment ago.
        raise Conflict(gettext("%(domain)s is verified by another organisation.", domain=claimed.domain), field="domain",
                       code="domain_taken") from None
    return claimed


def set_auto_join(tenant: Tenant, domain_id: int | str, enabled: bool, actor: Actor) -> TenantDomain:
    """Offer people who sign up with an address at this (verified) domain to join with the default role."""
    claimed = get_domain(tenant, domain_id)
    if enabled and claimed.status != "verified":
        raise ValidationError(gettext("Verify the domain before turning auto-join on."), field="auto_join")
    with unit_of_work():
        claimed.auto_join = bool(enabled)
        record("domain.auto_join_changed", actor, tenant_id=tenant.id, target_type="domain", target_id=claimed.id,
               details={"domain": claimed.domain, "auto_join": bool(enabled)})
    return claimed


def remove_domain(tenant: Tenant, domain_id: int | str, actor: Actor) -> None:
    claimed = get_domain(tenant, domain_id)
    with unit_of_work() as session:
        session.delete(claimed)
        record("domain.removed", actor, tenant_id=tenant.id, target_type="domain", target_id=claimed.id,
               details={"domain": claimed.domain, "was": claimed.status})


def auto_join_tenant(email: str) -> Tenant | None:
    """The tenant that offers people with this email's domain to join, if any."""
    claim = verified_owner(email_domain(email))
    return claim.tenant if claim is not None and claim.auto_join else None
