"""Browser journeys: the portal served for real on a local port, driven by Debian's Chromium.

Without /usr/bin/chromium the browser tests skip with a reason; with REQUIRE_BROWSER=1 (CI) a
missing browser fails the run instead. Screenshots go to tests/e2e/artifacts/ (git-ignored).

`check_page(page, name)` is what every browser test calls on each page state it visits: axe-core
(vendored in tests/e2e/vendor/) finds no serious or critical violation, nothing is wider than a
390 px phone (neither the page nor a table in its scrolling box), and a desktop and a phone
screenshot are saved.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from tests.conftest import build_app
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).parent / "artifacts"
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
# What a failing page costs its users: serious and critical findings block, the rest are advice.
BLOCKING_IMPACTS = ("serious", "critical")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM} (apt-get install -y chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    playwright.stop()


class LiveServer:
    def __init__(self, app, host: str = "127.0.0.1") -> None:
        self.server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app, database_url: str, mailbox) -> Iterator[LiveServer]:
    """The portal on a real port, sharing the test database, sending mail to `mailbox`."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    served = build_app(database_url, MAIL_SERVER=mailbox.host, MAIL_PORT=mailbox.port,
                       PUBLIC_URL=f"http://127.0.0.1:{port}")
    server = LiveServer(served)
    # Rebind to the port the public URL promises.
    server.server.server_close()
    server.server = make_server("127.0.0.1", port, served, threaded=True)
    server.url = f"http://127.0.0.1:{port}"
    server.thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    server.start()
    yield server
    server.stop()
    with served.app_context():
        db.engine.dispose()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh browser context (its own cookies) with a page; `new_context()` makes more."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_context(browser, live_server) -> Iterator:
    contexts = []

    def make(**kwargs):
        context = browser.new_context(base_url=live_server.url, **kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/e2e/artifacts/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_AXE_RUN = """async (blocking) => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.filter(v => blocking.includes(v.impact)).map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary.replace(/\\s+/g, " ")),
    }));
}"""


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core findings on the page as it is now.

    axe is evaluated through the DevTools protocol, not a <script> tag, so the portal's CSP
    ('self' only) stays exactly as users get it.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    return page.evaluate(_AXE_RUN, list(BLOCKING_IMPACTS))


def _format(violations: list[dict]) -> str:
    return "\n".join(f"  [{v['impact']}] {v['id']}: {v['help']}\n      " + "\n      ".join(v["nodes"])
                     for v in violations)


# The elements that stick out past the right edge, to say what to fix.
_WIDEST = """() => Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
        ' (right ' + Math.round(e.getBoundingClientRect().right) + ')')"""


# Scrolling boxes (.table-responsive) wider inside than out: the page fits, but a Revoke button sits
# off-screen in the box. On a phone tables stack into cards instead (app.js, .table-stack).
_CLIPPED = """() => Array.from(document.querySelectorAll('.table-responsive'))
    .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
    .slice(0, 5).map(e => (e.querySelector('table') || e).outerHTML.slice(0, 120) +
        ' (scrollWidth ' + e.scrollWidth + ' > ' + e.clientWidth + ')')"""


def _settle(page) -> None:
    """Wait for transitions (a dialog fading in) to finish: axe measures colours as they are."""
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")


def sign_in(page, email: str, lands=None) -> None:
    """Sign in through the login form with the factories' password; then, when `lands` is given (a glob
    or a compiled pattern), wait until the browser is on the page it names."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if lands is not None:
        page.wait_for_url(lands)


def check_page(page, name: str) -> None:
    """The checks every visited page state passes: no serious/critical axe finding at desktop and
    phone width, no sideways scrolling at 390 px, and screenshots `<name>.png` / `<name>-phone.png`.

    The viewport is put back afterwards, so a journey continues where it was.
    """
    page.wait_for_load_state()
    _settle(page)
    original = page.viewport_size or {"width": 1440, "height": 900}
    # A test that already browses at phone width gets one pass, its screenshot under the plain name.
    sizes = [("", original), ("-phone", PHONE)] if original["width"] > PHONE["width"] else [("", original)]
    problems: list[str] = []
    try:
        for suffix, size in sizes:
            if page.viewport_size != size:
                page.set_viewport_size(size)
                _settle(page)
            found = axe_violations(page)
            if found:
                problems.append(f"axe at {size['width']} px:\n{_format(found)}")
            if size["width"] <= PHONE["width"]:
                widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                if widths[0] > widths[1]:
                    wide = page.evaluate(_WIDEST)
                    problems.append(f"scrolls sideways at {widths[1]} px (scrollWidth {widths[0]}): {wide}")
                clipped = page.evaluate(_CLIPPED)
                if clipped:
                    problems.append(f"a table scrolls inside its box at {size['width']} px (its buttons are cut off): {clipped}")
            screenshot(page, name + suffix)
    finally:
        if page.viewport_size != original:
            page.set_viewport_size(original)
    assert not problems, f"{name} ({page.url}):\n" + "\n".join(problems)



@pytest.fixture
def admin_user_for_walk():
    """A platform admin for the page walk."""
    from tests import factories as f

    return f.user("root@walk.test", admin=True, name="Root Walker")
