"""Settings -> Webhooks in a browser: the list with the add form, the secret shown once, and an endpoint's
delivery log pass axe-core and fit a 390 px phone (`check_page`)."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.e2e.conftest import check_page, sign_in
from tests.webhooks.conftest import Receiver


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def test_webhook_pages_pass_axe_and_fit_a_phone(page, live_server, receiver):
    owner = f.user("owner@hooks.test", name="Ola Owner")
    f.tenant("hooks", plan="basic", owner=owner, name="Hooks Inc")
    sign_in(page, "owner@hooks.test", lands="**/t/**")
    page.goto("/t/hooks/settings/webhooks")
    check_page(page, "webhooks-empty")
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("member.added").check()
    page.get_by_role("button", name="Add endpoint").click()
    page.get_by_test_id("webhook-secret").wait_for()
    check_page(page, "webhooks-secret-once")
    page.get_by_role("link", name="Deliveries").first.click()
    page.get_by_role("button", name="Rotate secret").click()
    page.get_by_test_id("webhook-secret").wait_for()
    check_page(page, "webhook-endpoint")
