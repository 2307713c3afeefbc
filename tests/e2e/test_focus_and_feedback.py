"""Focus and feedback after HTMX swaps, in a real browser: the focus lands on the changed row or
the message (never back at the top of the page), one live region announces the outcome, buttons
are disabled while their request is in flight, slow requests show progress, success messages are
toasts over the page, and tables stack into cards on a phone."""

from __future__ import annotations

from playwright.sync_api import expect

from tests import factories as f
from tests.e2e.conftest import check_page, sign_in

# Records, at the moment each request leaves, whether the controls that sent it were disabled and
# whether its progress indicator was showing (htmx:beforeSend runs after both are set).
_WATCH_REQUESTS = """() => {
  window.__inFlight = [];
  document.addEventListener("htmx:beforeSend", (e) => {
    const elt = e.detail.elt;
    const controls = elt.tagName === "FORM" ? [...elt.querySelectorAll("button[type=submit], button:not([type])")] : [elt];
    const indicator = elt.getAttribute("hx-indicator") && document.querySelector(elt.getAttribute("hx-indicator"));
    window.__inFlight.push({
      disabled: controls.map((c) => c.disabled || c.classList.contains("disabled")),
      busy: controls.map((c) => c.getAttribute("aria-busy")),
      indicator: indicator ? indicator.classList.contains("htmx-request") : null,
    });
  });
}"""



def _focused(page) -> dict:
    return page.evaluate("""() => { const a = document.activeElement;
        return {tag: a.tagName.toLowerCase(), id: a.id, testid: a.dataset.testid || "", text: a.innerText || ""}; }""")


def _announced(page, text: str) -> None:
    expect(page.get_by_test_id("announcer")).to_contain_text(text)


def test_invitation_sent_focuses_its_row_announces_and_disables_the_button_in_flight(page, live_server):
    owner = f.user("owner@focus.test", name="Fay Focus")
    f.tenant("focusco", owner=owner, name="FocusCo")
    sign_in(page, "owner@focus.test", lands="**/t/**")
    page.goto("/t/focusco/invitations")
    page.evaluate(_WATCH_REQUESTS)
    page.get_by_label("Email").fill("new@focus.test")
    page.get_by_role("button", name="Send invitation").click()
    row = page.get_by_test_id("invitation-row").filter(has_text="new@focus.test")
    row.wait_for()
    expect(row).to_be_focused()
    _announced(page, "Invitation sent to new@focus.test.")
    assert page.evaluate("window.__inFlight") == [{"disabled": [True], "busy": ["true"], "indicator": None}]
    assert page.get_by_role("button", name="Send invitation").is_enabled()  # and enabled again after
    # The message is a toast: fixed over the page, not pushing the content down.
    toast = page.locator("#flashes .alert").filter(has_text="Invitation sent")
    assert toast.evaluate("e => getComputedStyle(e.parentElement).position") == "fixed"
    check_page(page, "invitation-sent-toast")

    # A form error: the invalid field takes the focus.
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_function("() => document.activeElement.classList.contains('is-invalid') || "
                           "document.activeElement.hasAttribute('data-error-summary')")

    # Revoked: the row is gone, the focus goes to the list's heading and the outcome is spoken.
    row.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke the invitation to new@focus.test").click()
    row.wait_for(state="detached")
    assert "Pending invitations" in _focused(page)["text"]
    _announced(page, "new@focus.test")


def test_role_change_and_removal_keep_the_focus_on_the_table(page, live_server):
    owner = f.user("owner@rows.test", name="Ola Owner")
    tenant = f.tenant("rowsco", owner=owner, name="RowsCo")
    carol = f.member(tenant, "member", f.user("carol@rows.test", name="Carol Member"))
    dan = f.member(tenant, "member", f.user("dan@rows.test", name="Dan Member"))
    sign_in(page, "owner@rows.test", lands="**/t/**")
    page.goto("/t/rowsco/members")
    page.evaluate(_WATCH_REQUESTS)

    carol_row = page.locator(f"#member-{carol.id}")
    carol_row.get_by_label("Role of Carol Member").select_option("viewer")
    carol_row.get_by_role("button", name="Save the role of Carol Member").click()
    carol_row.get_by_text("Saved").wait_for()
    expect(carol_row).to_be_focused()
    _announced(page, "Carol Member is now Viewer.")
    assert page.evaluate("window.__inFlight")[0]["disabled"] == [True]

    carol_row.get_by_role("link", name="Remove Carol Member").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove Carol Member").click()
    carol_row.wait_for(state="detached")
    expect(page.locator(f"#member-{dan.id}")).to_be_focused()  # the next row, not the top of the page
    _announced(page, "Carol Member was removed from RowsCo.")


def test_knowledge_search_shows_progress_and_announces_the_result_count(page, live_server):
    owner = f.user("owner@kb.test", name="Kim Knowledge")
    f.tenant("kbco", owner=owner, name="KbCo")
    sign_in(page, "owner@kb.test", lands="**/t/**")
    page.goto("/t/kbco/knowledge")
    page.evaluate(_WATCH_REQUESTS)
    page.get_by_test_id("knowledge-search").fill("nothing-here")
    page.get_by_test_id("no-results").wait_for()
    assert page.evaluate("window.__inFlight")[-1]["indicator"] is True
    expect(page.get_by_test_id("knowledge-search")).to_be_focused()  # typing is never interrupted
    _announced(page, "0 results")


def test_tables_stack_into_cards_on_a_phone_with_every_button_on_screen(new_context, live_server):
    owner = f.user("owner@phone.test", name="Pia Phone")
    tenant = f.tenant("phoneco", owner=owner, name="PhoneCo", plan="basic")
    for n in range(3):
        f.invitation(tenant, f"a-very-long-address-number-{n}@subsidiary.phone-company.test")
    f.api_key(tenant, name="deploy key with a rather long name")
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, "owner@phone.test", lands="**/t/**")
    for path, name in (("/t/phoneco/invitations", "phone-invitations"), ("/t/phoneco/keys", "phone-keys"),
                       ("/t/phoneco/members", "phone-members")):
        page.goto(path)
        check_page(page, name)
        # Every button and link inside a table is within the screen (nothing clipped in a scroller).
        off_screen = page.evaluate("""() => [...document.querySelectorAll('table a, table button')]
            .filter(e => e.offsetParent !== null)
            .filter(e => { const r = e.getBoundingClientRect(); return r.right > innerWidth + 0.5 || r.left < -0.5; })
            .map(e => e.outerHTML.slice(0, 80))""")
        assert off_screen == [], (path, off_screen)
    assert page.locator("table.table-stack").count() >= 1
