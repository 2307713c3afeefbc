"""A member builds the knowledge base in a real browser: paste, upload, search as they type, delete."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from app.services import storage
from tests import factories as f
from tests.e2e.conftest import check_page


def test_member_adds_searches_and_deletes_documents(page, live_server, tmp_path: Path):
    owner = f.user("owner@kb.test")
    tenant = f.tenant("kb-corp", owner=owner, name="KB Corp")
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        page.goto("/login")
        page.get_by_label("Email").fill("owner@kb.test")
        page.get_by_label("Password").fill(f.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"**/t/{tenant.slug}/")

        page.get_by_role("link", name="Knowledge base").click()
        page.wait_for_url(f"**/t/{tenant.slug}/knowledge")
        form = page.get_by_test_id("upload-form")
        form.get_by_label("Title").fill("Travel policy")
        form.get_by_label("Tags").fill("travel, finance")
        form.get_by_label("Text").fill("Book economy class.\n\nReceipts go to finance within 30 days.")
        form.get_by_role("button", name="Add to knowledge base").click()
        page.get_by_text("Travel policy was added to the knowledge base.").wait_for()

        notes = tmp_path / "security.md"
        notes.write_text("# Security\n\nRotate API keys every quarter.", encoding="utf-8")
        form = page.get_by_test_id("upload-form")
        form.get_by_label("File").set_input_files(str(notes))
        form.get_by_role("button", name="Add to knowledge base").click()
        page.get_by_text("security was added to the knowledge base.").wait_for()
        assert page.get_by_test_id("document-row").count() == 2

        # The message is in the DOM before the page's scripts have run; htmx listens from "load" on.
        page.wait_for_load_state("load")
        page.get_by_test_id("knowledge-search").fill("receipts")
        result = page.get_by_test_id("search-result")
        expect(result).to_have_count(1)
        expect(result.first).to_contain_text("Travel policy")
        # The matched word is highlighted, and the results stand in for the table until cleared.
        expect(result.first.locator("mark")).to_have_text("Receipts")
        expect(page.get_by_test_id("document-row").first).to_be_hidden()
        check_page(page, "workspace-knowledge-search")
        page.get_by_test_id("knowledge-search").fill("")
        expect(page.get_by_test_id("search-result")).to_have_count(0)
        expect(page.get_by_test_id("document-row").first).to_be_visible()

        # Markdown is shown rendered.
        page.get_by_role("link", name="security", exact=True).click()
        expect(page.get_by_test_id("document-content").get_by_role("heading", name="Security")).to_be_visible()
        check_page(page, "workspace-knowledge-markdown")
        page.go_back()
        page.wait_for_load_state("load")

        # The portal's own dialog, not the browser's bare confirm(): it names the document.
        page.get_by_role("button", name="Delete security").click()
        dialog = page.get_by_role("dialog")
        assert "Delete security from the knowledge base of KB Corp?" in dialog.inner_text()
        check_page(page, "workspace-knowledge-confirm-delete")
        dialog.get_by_role("button", name="Delete security").click()
        expect(page.get_by_test_id("document-row")).to_have_count(1)
        expect(page.get_by_test_id("document-row")).to_contain_text("Travel policy")
        assert violations == []
    finally:
        storage.delete_tenant_files(tenant.id)
