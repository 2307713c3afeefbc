"""Audit events as people read them: "Olga changed carol@acme.test's role from Member to Viewer".

Events are stored with a stable code (`member.role_changed`) and details as data; these functions
turn them into a sentence in the reader's language at display time, so the stored trail never
depends on a language and an old event reads well after a translation improves. An action without
a sentence of its own gets its label and its details as "label: value" pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext, lazy_gettext

_ROLES = {"owner": lazy_gettext("Owner"), "admin": lazy_gettext("Admin"), "member": lazy_gettext("Member"),
          "viewer": lazy_gettext("Viewer")}

# One label per action code: shown in filters and for events without a sentence of their own.
ACTION_LABELS: dict[str, Any] = {
    "apikey.created": lazy_gettext("API key created"),
    "apikey.reowned": lazy_gettext("API key re-owned"),
    "apikey.revoked": lazy_gettext("API key revoked"),
    "beta_feature.allowed": lazy_gettext("Beta feature allowed"),
    "beta_feature.disabled": lazy_gettext("Beta feature switched off"),
    "beta_feature.disallowed": lazy_gettext("Beta feature withdrawn"),
    "beta_feature.enabled": lazy_gettext("Beta feature switched on"),
    "billing.cancelled": lazy_gettext("Subscription cancelled"),
    "billing.downgrade_blocked": lazy_gettext("Downgrade blocked"),
    "billing.downgrade_scheduled": lazy_gettext("Downgrade scheduled"),
    "billing.downgrade_withdrawn": lazy_gettext("Scheduled downgrade withdrawn"),
    "document.created": lazy_gettext("Document added"),
    "document.deleted": lazy_gettext("Document deleted"),
    "domain.added": lazy_gettext("Domain added"),
    "domain.auto_join_changed": lazy_gettext("Domain auto-join changed"),
    "domain.removed": lazy_gettext("Domain removed"),
    "domain.verified": lazy_gettext("Domain verified"),
    "email.retried": lazy_gettext("Email retried"),
    "export.downloaded": lazy_gettext("Data export downloaded"),
    "export.requested": lazy_gettext("Data export requested"),
    "feature_flag.cleared": lazy_gettext("Feature flag override cleared"),
    "feature_flag.set": lazy_gettext("Feature flag override set"),
    "impersonation.ended": lazy_gettext("Viewing as owner ended"),
    "impersonation.started": lazy_gettext("Viewing as owner started"),
    "invitation.accepted": lazy_gettext("Invitation accepted"),
    "invitation.created": lazy_gettext("Invitation sent"),
    "invitation.resent": lazy_gettext("Invitation resent"),
    "invitation.revoked": lazy_gettext("Invitation revoked"),
    "member.added": lazy_gettext("Member added"),
    "member.removed": lazy_gettext("Member removed"),
    "member.role_changed": lazy_gettext("Role changed"),
    "mfa.devices_forgotten": lazy_gettext("Remembered devices forgotten"),
    "mfa.disabled": lazy_gettext("Two-factor authentication turned off"),
    "mfa.enabled": lazy_gettext("Two-factor authentication turned on"),
    "mfa.recovery_code_used": lazy_gettext("Recovery code used"),
    "mfa.recovery_codes_regenerated": lazy_gettext("Recovery codes regenerated"),
    "mfa.reset": lazy_gettext("Two-factor authentication reset"),
    "platform.admin_granted": lazy_gettext("Platform admin granted"),
    "platform.admin_revoked": lazy_gettext("Platform admin revoked"),
    "security.domain_claim_refused": lazy_gettext("Domain claim refused"),
    "security.password_reset_refused_sso_required": lazy_gettext("Password reset refused (SSO required)"),
    "security.password_sign_in_refused_sso_required": lazy_gettext("Password sign-in refused (SSO required)"),
    "security.sso_break_glass": lazy_gettext("SSO requirement lifted (break-glass)"),
    "security.sso_recovery_code_rejected": lazy_gettext("SSO recovery code rejected"),
    "security.sso_refused": lazy_gettext("Single sign-on refused"),
    "security.tenant_access_denied": lazy_gettext("Access refused"),
    "session.ended": lazy_gettext("Session signed out"),
    "session.ended_others": lazy_gettext("Other sessions signed out"),
    "sso.connection_created": lazy_gettext("SSO connection added"),
    "sso.connection_deleted": lazy_gettext("SSO connection deleted"),
    "sso.connection_platform_disabled": lazy_gettext("SSO connection switched off by the platform"),
    "sso.connection_updated": lazy_gettext("SSO connection changed"),
    "sso.identity_email_changed": lazy_gettext("SSO identity's email changed"),
    "sso.identity_linked": lazy_gettext("SSO identity linked"),
    "sso.recovery_code_created": lazy_gettext("SSO recovery code created"),
    "sso.require_changed": lazy_gettext("“Require SSO” changed"),
    "sso.sign_in": lazy_gettext("Signed in with SSO"),
    "support_access.approved": lazy_gettext("Support access approved"),
    "support_access.break_glass": lazy_gettext("Emergency support access taken"),
    "support_access.denied": lazy_gettext("Support access denied"),
    "support_access.expired": lazy_gettext("Support access expired"),
    "support_access.requested": lazy_gettext("Support access requested"),
    "support_access.revoked": lazy_gettext("Support access revoked"),
    "support_access.standing_granted": lazy_gettext("Standing support access granted"),
    "tenant.created": lazy_gettext("Organisation created"),
    "tenant.deleted": lazy_gettext("Organisation deleted"),
    "tenant.expired": lazy_gettext("Organisation expired"),
    "tenant.move_finished": lazy_gettext("Isolation tier move finished"),
    "tenant.move_started": lazy_gettext("Isolation tier move started"),
    "tenant.moved": lazy_gettext("Moved to another isolation tier"),
    "tenant.ownership_transferred": lazy_gettext("Ownership transferred"),
    "tenant.plan_changed": lazy_gettext("Plan changed"),
    "tenant.plane_migrated": lazy_gettext("Data placement migrated"),
    "tenant.plane_migration_failed": lazy_gettext("Data placement migration failed"),
    "tenant.purged": lazy_gettext("Organisation purged"),
    "tenant.quota_override": lazy_gettext("Custom quotas set"),
    "tenant.reactivated": lazy_gettext("Organisation reactivated"),
    "tenant.restored": lazy_gettext("Organisation restored"),
    "tenant.suspended": lazy_gettext("Organisation suspended"),
    "tenant.trial_expired": lazy_gettext("Trial ended"),
    "tenant.trial_extended": lazy_gettext("Trial extended"),
    "tenant.updated": lazy_gettext("Settings changed"),
    "user.created_by_sso": lazy_gettext("Account created by SSO"),
    "user.disabled": lazy_gettext("Account disabled"),
    "user.enabled": lazy_gettext("Account enabled"),
    "user.login": lazy_gettext("Signed in"),
    "user.password_changed": lazy_gettext("Password changed"),
    "user.password_reset_requested": lazy_gettext("Password reset requested"),
    "user.profile_updated": lazy_gettext("Profile changed"),
    "user.second_factor_failed": lazy_gettext("Wrong two-factor code"),
    "user.signed_up": lazy_gettext("Signed up"),
}

# Detail keys as people read them (for events described as "label: value" pairs).
DETAIL_LABELS: dict[str, Any] = {
    "email": lazy_gettext("Email"), "role": lazy_gettext("Role"), "from": lazy_gettext("From"),
    "to": lazy_gettext("To"), "name": lazy_gettext("Name"), "slug": lazy_gettext("Slug"),
    "plan": lazy_gettext("Plan"), "status": lazy_gettext("Status"), "reason": lazy_gettext("Reason"),
    "title": lazy_gettext("Title"), "size_bytes": lazy_gettext("Size"), "filename": lazy_gettext("File"),
    "domain": lazy_gettext("Domain"), "method": lazy_gettext("Method"), "owner": lazy_gettext("Owner"),
    "isolation_strategy": lazy_gettext("Isolation"), "changes": lazy_gettext("Changes"),
    "days": lazy_gettext("Days"), "connection": lazy_gettext("Connection"), "type": lazy_gettext("Type"),
    "path": lazy_gettext("Path"), "code": lazy_gettext("Code"), "minutes": lazy_gettext("Minutes"),
    "admin": lazy_gettext("Admin"), "level": lazy_gettext("Level"),
    "key": lazy_gettext("Key"), "enabled": lazy_gettext("On"), "expires_at": lazy_gettext("Expires"),
    "note": lazy_gettext("Note"), "allowed": lazy_gettext("Allowed"), "switched_off": lazy_gettext("Switched off"),
}

ACTOR_LABELS = {"system": lazy_gettext("System")}

TARGET_LABELS = {"user": lazy_gettext("User"), "tenant": lazy_gettext("Organisation"),
                 "invitation": lazy_gettext("Invitation"), "apikey": lazy_gettext("API key"),
                 "api_key": lazy_gettext("API key"), "document": lazy_gettext("Document"),
                 "domain": lazy_gettext("Domain"), "sso_connection": lazy_gettext("SSO connection"),
                 "connection": lazy_gettext("SSO connection"), "email": lazy_gettext("Email"),
                 "session": lazy_gettext("Session"), "membership": lazy_gettext("Membership"),
                 "invoice": lazy_gettext("Invoice"), "subscription": lazy_gettext("Subscription"),
                 "export": lazy_gettext("Data export"), "support_access": lazy_gettext("Support access"),
                 "feature_flag": lazy_gettext("Feature flag"), "beta_feature": lazy_gettext("Beta feature")}

# Values that are codes of a closed set, by the detail key they appear under.
_METHODS = {"password": lazy_gettext("password"), "sso": lazy_gettext("single sign-on"),
            "recovery_code": lazy_gettext("recovery code"), "oidc": "OIDC", "saml": "SAML", "ldap": "LDAP"}


def target_label(target_type: str | None) -> str:
    """What an event acted on ("user" -> "User" / "用户"); empty for none."""
    if not target_type:
        return ""
    label = TARGET_LABELS.get(target_type)
    return str(label) if label is not None else target_type


def action_label(action: str) -> str:
    """The action's name in the reader's language; an unknown code shows as itself."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def actor_text(label: str | None) -> str:
    """Who did it: the stored actor label (an email, a key name), or "System" for the platform itself."""
    label = label or "system"
    return str(ACTOR_LABELS[label]) if label in ACTOR_LABELS else label


def _role(value: Any) -> str:
    return str(_ROLES.get(value, value))


def _value(key: str, value: Any) -> str:
    from app.services.formatting import format_bytes

    if key == "role" or (key in ("from", "to") and value in _ROLES):
        return _role(value)
    if key == "size_bytes" and isinstance(value, int):
        return format_bytes(value)
    if key == "status" and isinstance(value, str):
        from app.services.labels import status_label

        return status_label(value)
    if key == "isolation_strategy" and isinstance(value, str):
        from app.services.labels import isolation_label

        return isolation_label(value)
    if key == "method" and value in _METHODS:
        return str(_METHODS[value])
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dict):
        return ", ".join(f"{DETAIL_LABELS.get(k, k)}: {_value(k, v)}" for k, v in value.items())
    if value is None:
        return "—"
    return str(value)


def _beta(key: str) -> str:
    """A beta feature as people read it: its label in the catalogue ("New document editor"), else its key."""
    from flask import current_app

    entry = (current_app.config.get("BETA_FEATURES") or {}).get(key) or {}
    return f"“{entry['label']}”" if entry.get("label") else str(key)


SENTENCES: dict[str, Callable[[str, dict], str]] = {
    "member.role_changed": lambda who, d: gettext(
        "%(actor)s changed the role of %(email)s from %(old)s to %(new)s.", actor=who, email=d.get("email", "?"),
        old=_role(d.get("from")), new=_role(d.get("to"))),
    "member.added": lambda who, d: gettext("%(actor)s added %(email)s as %(role)s.", actor=who,
                                           email=d.get("email", "?"), role=_role(d.get("role"))),
    "member.removed": lambda who, d: gettext("%(actor)s removed %(email)s.", actor=who, email=d.get("email", "?")),
    "invitation.created": lambda who, d: gettext("%(actor)s invited %(email)s as %(role)s.", actor=who,
                                                 email=d.get("email", "?"), role=_role(d.get("role"))),
    "invitation.revoked": lambda who, d: gettext("%(actor)s revoked the invitation to %(email)s.", actor=who,
                                                 email=d.get("email", "?")),
    "invitation.accepted": lambda who, d: gettext("%(email)s accepted the invitation and joined as %(role)s.",
                                                  email=d.get("email", who), role=_role(d.get("role"))),
    "apikey.created": lambda who, d: gettext("%(actor)s created the API key “%(name)s” (%(role)s).", actor=who,
                                             name=d.get("name", "?"), role=_role(d.get("role"))),
    "apikey.revoked": lambda who, d: gettext("%(actor)s revoked the API key “%(name)s”.", actor=who,
                                             name=d.get("name", "?")),
    "document.created": lambda who, d: gettext("%(actor)s added the document “%(title)s”.", actor=who,
                                               title=d.get("title", "?")),
    "document.deleted": lambda who, d: gettext("%(actor)s deleted the document “%(title)s”.", actor=who,
                                               title=d.get("title", "?")),
    "tenant.plan_changed": lambda who, d: gettext("%(actor)s moved the organisation from %(old)s to %(new)s.",
                                                  actor=who, old=d.get("from", "?"), new=d.get("to", "?")),
    "beta_feature.allowed": lambda who, d: gettext("%(actor)s allowed the beta feature %(key)s.", actor=who,
                                                   key=_beta(d["key"])),
    "beta_feature.disallowed": lambda who, d: gettext("%(actor)s withdrew the beta feature %(key)s.", actor=who,
                                                      key=_beta(d["key"])),
    "beta_feature.enabled": lambda who, d: gettext("%(actor)s switched on the beta feature %(key)s.", actor=who,
                                                   key=_beta(d["key"])),
    "beta_feature.disabled": lambda who, d: gettext("%(actor)s switched off the beta feature %(key)s.", actor=who,
                                                    key=_beta(d["key"])),
    "tenant.ownership_transferred": lambda who, d: gettext("%(actor)s made %(email)s the owner.", actor=who,
                                                           email=d.get("to", "?")),
}


def describe(action: str, actor_label: str | None, details: dict | None) -> str:
    """The event as a sentence, or as its label followed by its details ("Signed in · Method: password")."""
    who = actor_text(actor_label)
    details = details or {}
    sentence = SENTENCES.get(action)
    if sentence is not None:
        try:
            return sentence(who, details)
        except (KeyError, TypeError, ValueError):
            pass  # details of an older shape: fall back to the pairs below
    return " · ".join([action_label(action), *(f"{DETAIL_LABELS.get(k, k)}: {_value(k, v)}"
                                                for k, v in details.items())])


def detail_pairs(details: dict | None) -> str:
    """Details alone as "label: value" pairs in the reader's language (for the details column)."""
    return ", ".join(f"{DETAIL_LABELS.get(k, k)}: {_value(k, v)}" for k, v in (details or {}).items())
