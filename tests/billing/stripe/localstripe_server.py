"""localstripe for the tests: on 127.0.0.1, nothing written to /tmp/localstripe.pickle, and the two
Stripe calls localstripe does not emulate (Checkout and Customer Portal sessions) answered by a
small stand-in that checks what Stripe itself requires of them (docs/billing.md, "Stripe"); a
subscription update takes today's `proration_behavior`.

    python tests/billing/stripe/localstripe_server.py PORT
"""

from __future__ import annotations

import secrets
import sys
import time

from aiohttp import web
from localstripe import resources
from localstripe.errors import UserError
from localstripe.server import app, get_api_key, get_post_data, json_response

# Every write would pickle the whole store to one shared path; parallel runs must not share it.
resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]

CHECKOUT_MODES = ("payment", "setup", "subscription")

# localstripe's subscription update still takes the pre-2019 `prorate` flag; Stripe's API today takes
# `proration_behavior` (the provider sends that). Translate, so the real call is the one tested.
_update_subscription = resources.Subscription._update


def _update_with_proration_behavior(self, proration_behavior=None, **data):
    if proration_behavior is not None:
        _require(proration_behavior in ("create_prorations", "none", "always_invoice"))
        data["prorate"] = proration_behavior != "none"
    return _update_subscription(self, **data)


resources.Subscription._update = _update_with_proration_behavior  # type: ignore[method-assign]


def _require(condition: bool) -> None:
    if not condition:
        raise UserError(400, "Bad request")


async def create_checkout_session(request: web.Request) -> web.Response:
    """POST /v1/checkout/sessions: mode, success_url and a known customer, as Stripe requires."""
    data = await get_post_data(request) or {}
    _require(data.get("mode") in CHECKOUT_MODES and str(data.get("success_url", "")).startswith("http"))
    resources.Customer._api_retrieve(data.get("customer"))  # 404 for an unknown customer
    if data["mode"] == "subscription":
        items = data.get("line_items") or []
        _require(bool(items))
        for item in items:
            resources.Plan._api_retrieve(item.get("price"))
    session_id = "cs_test_" + secrets.token_hex(12)
    return json_response({"id": session_id, "object": "checkout.session", "mode": data["mode"],
                          "customer": data["customer"], "success_url": data["success_url"],
                          "cancel_url": data.get("cancel_url"), "metadata": data.get("metadata") or {},
                          "status": "open", "created": int(time.time()),
                          "url": f"https://checkout.stripe.com/c/pay/{session_id}"})


async def create_portal_session(request: web.Request) -> web.Response:
    """POST /v1/billing_portal/sessions: a known customer and where to return."""
    data = await get_post_data(request) or {}
    resources.Customer._api_retrieve(data.get("customer"))
    _require(str(data.get("return_url", "")).startswith("http"))
    session_id = "bps_" + secrets.token_hex(12)
    return json_response({"id": session_id, "object": "billing_portal.session", "customer": data["customer"],
                          "return_url": data["return_url"], "created": int(time.time()),
                          "url": f"https://billing.stripe.com/p/session/{session_id}"})


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def main() -> None:
    port = int(sys.argv[1])
    app.router.add_post("/v1/checkout/sessions", create_checkout_session)
    app.router.add_post("/v1/billing_portal/sessions", create_portal_session)
    app.router.add_get("/_config/health", health)
    assert get_api_key  # the stand-ins sit behind localstripe's own API-key check (auth_middleware)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
