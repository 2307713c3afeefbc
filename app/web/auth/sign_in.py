"""The browser's side of server-side sessions: finishing a sign-in, loading it, ending it.

Every way in (password, SSO, a password-reset link, sign-up, an invitation) ends in
`complete_sign_in`, so the rules of a sign-in exist once: the second factor when the user has one
(unless the way in stands for one, or the device is remembered), a fresh cookie (nothing from
before survives: session fixation), a server-side record, the audit event, and the landing page. The
cookie holds only the record's random token (`_sid`); the record decides whether the browser is
signed in, so ending it server-side (sign-out, "end this session", a password change) ends it
for every copy of the cookie.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from app.extensions import db, login_manager
from app.models import Tenant, User
from app.models.types import utcnow
from app.services import accounts, mfa, sessions
from app.services.session_store import SessionRecord
from app.services.transaction import unit_of_work
from app.web.redirects import safe_next

SESSION_TOKEN_KEY = "_sid"
# The first step is done, the code is not: who, and how to finish (in the signed cookie).
PENDING_KEY = "_pending_sign_in"
DEVICE_COOKIE = "remembered_device"


def current_session_token() -> str | None:
    """The cookie's session token (None when signed out)."""
    return session.get(SESSION_TOKEN_KEY)


def current_session_record() -> SessionRecord | None:
    """The server-side record of this browser's sign-in (None when signed out)."""
    if not current_user.is_authenticated:
        return None
    return g.get("user_session")


def begin_session(user: User, *, method: str, remember: bool = False, mfa: bool = False,
                  tenant: Tenant | None = None, impersonator_user_id: int | None = None) -> SessionRecord:
    """Sign `user` in on a fresh cookie and a new server-side record; the previous one, if any, ends."""
    sessions_to_end = current_session_token()
    session.clear()
    with unit_of_work():
        sessions.end(sessions_to_end)
        token, record = sessions.start(
            user, method=method, mfa=mfa, persistent=remember, tenant_id=tenant.id if tenant else None,
            impersonator_user_id=impersonator_user_id, ip=request.remote_addr,
            user_agent=request.user_agent.string)
    session[SESSION_TOKEN_KEY] = token
    # "Keep me signed in" is a cookie that outlives the browser; the record expires on the same
    # sliding window (PERMANENT_SESSION_LIFETIME = SESSION_REMEMBER_DAYS).
    session.permanent = remember
    login_user(user, remember=False, fresh=True)
    g.user_session = record
    return record


def complete_sign_in(user: User, *, method: str, remember: bool = False, mfa_satisfied: bool = False,
                     tenant: Tenant | None = None, next_url: str | None = None) -> Response:
    """Finish a sign-in whose first step proved who `user` is, and answer with where to go next.

    `method` names that step ("password", "oidc", "saml", "password_reset", "signup", ...).
    `mfa_satisfied`: the step itself already stands for a second factor (an SSO sign-in does:
    it satisfies a tenant's "require two-factor" policy; a password never does). `tenant`: the
    tenant a tenant-bound sign-in (SSO) came through; its sessions end when that membership does.
    `next_url` is followed only if it is a path on this site.

    A user with two-factor authentication on is sent to the code page first (the answer is then
    that redirect); `finish_pending_sign_in` completes it once the code is right.
    """
    second_factor = "sso" if mfa_satisfied else None
    if not mfa_satisfied and mfa.is_enabled(user):
        if mfa.is_remembered_device(user, request.cookies.get(DEVICE_COOKIE)):
            mfa_satisfied, second_factor = True, "remembered_device"
        else:
            _end_current_session()
            session[PENDING_KEY] = {"user_id": user.id, "version": user.session_version, "method": method,
                                    "remember": remember, "tenant_id": tenant.id if tenant else None,
                                    "next": safe_next(next_url), "since": utcnow().timestamp()}
            return redirect(url_for("auth.two_factor"))
    return _finish(user, method=method, remember=remember, mfa_satisfied=mfa_satisfied, tenant=tenant,
                   next_url=next_url, second_factor=second_factor)


def _finish(user: User, *, method: str, remember: bool, mfa_satisfied: bool, tenant: Tenant | None,
            next_url: str | None, second_factor: str | None) -> Response:
    begin_session(user, method=method, remember=remember, mfa=mfa_satisfied, tenant=tenant)
    accounts.note_login(user, method=method, ip=request.remote_addr, second_factor=second_factor)
    return redirect(safe_next(next_url) or url_for("home.index"))


def pending_sign_in(now: datetime | None = None) -> User | None:
    """The user whose sign-in waits for a code, if it is recent (MFA_PENDING_SECONDS) and still valid."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    age = (now or utcnow()).timestamp() - float(pending.get("since") or 0)
    if not 0 <= age <= current_app.config.get("MFA_PENDING_SECONDS", 300):
        return None
    user = db.session.get(User, pending.get("user_id")) if isinstance(pending.get("user_id"), int) else None
    if user is None or user.is_disabled or user.session_version != pending.get("version"):
        return None
    return user


def finish_pending_sign_in(user: User, second_factor: str, *, remember_device: bool = False) -> Response:
    """The code was right: finish the sign-in that `complete_sign_in` put on hold."""
    pending = session.get(PENDING_KEY) or {}
    tenant = db.session.get(Tenant, pending["tenant_id"]) if pending.get("tenant_id") else None
    response = _finish(user, method=str(pending.get("method") or "password"),
                       remember=bool(pending.get("remember")), mfa_satisfied=True, tenant=tenant,
                       next_url=pending.get("next"), second_factor=second_factor)
    if remember_device:
        days = mfa.remember_days()
        response.set_cookie(DEVICE_COOKIE, mfa.remember_device_token(user), max_age=days * 86400,
                            httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def second_factor_rate_key() -> str:
    """Flask-Limiter key for code attempts: the account (pending or signed in), so guesses from many
    addresses still count against one budget."""
    pending = session.get(PENDING_KEY) or {}
    user_id = pending.get("user_id") or (current_user.get_id() if current_user.is_authenticated else None)
    return f"second-factor:{user_id or request.remote_addr}"


def _end_current_session() -> None:
    token = current_session_token()
    session.clear()
    if token:
        with unit_of_work():
            sessions.end(token)


def sign_out() -> None:
    """End this browser's session, server-side and in the cookie."""
    token = current_session_token()
    with unit_of_work():
        sessions.end(token)
    # logout_user first: its observers (the impersonation audit) still see the session's keys.
    logout_user()
    session.clear()
    # ...and after clear(), Flask-Login's instruction to delete a "remember me" cookie (one set
    # before sessions were server-side) must survive: clearing it is what kept such browsers signed in.
    session["_remember"] = "clear"


def _load_user(user_key: str) -> User | None:
    """Flask-Login's user loader: the user of a live server-side session, never the cookie's word alone."""
    token = current_session_token()
    record = sessions.resume(token)
    if record is None or user_key.partition(":")[0] != str(record.user_id):
        return None
    user = db.session.get(User, record.user_id)
    if user is None or user.is_disabled:
        return None
    if sessions.needs_touch(record, request.remote_addr):
        sessions.touch(token, record, request.remote_addr)
    g.user_session = record
    return user


def _load_before_request() -> None:
    # Load (and validate) the session before the view runs, so its bookkeeping write never lands
    # in the middle of the view's own transaction.
    if request.endpoint != "static":
        _ = current_user.is_authenticated


def init_sign_in(app: Flask) -> None:
    login_manager.user_loader(_load_user)
    app.before_request(_load_before_request)
