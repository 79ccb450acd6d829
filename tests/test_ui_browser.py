"""The real page in Debian's chromium (driven by Playwright's Python package, launched by
path: no browser is ever downloaded), against a real `mlsd serve` on loopback.

Screenshots go to tests/artifacts/ (gitignored), on success and on failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, PROJECT
from tests.test_ui_api import Server, running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT / "tests" / "artifacts"
DRAFT = FIXTURES / "drafts" / "ticket-routing.md"
QUESTION = "How should I detect data drift after launch?"
# Milliseconds. The first review may still be loading the embedding model.
REVIEW_TIMEOUT = 240_000
STEP_TIMEOUT = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed at /usr/bin/chromium "
        "(apt-get install -y chromium; .ci/run does it)",
    ),
]


@pytest.fixture(scope="module")
def server(kb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(kb_dir, tmp_path_factory.mktemp("ui-browser")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, server: Server, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser session on the app; uncaught page errors fail the test; a screenshot
    is saved when the test fails."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(STEP_TIMEOUT)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.goto(server.url, wait_until="domcontentloaded")
    tab.locator("#mlsd-draft").wait_for()
    failed = True
    try:
        yield tab
        failed = False
    finally:
        if failed:
            tab.screenshot(path=str(ARTIFACTS / f"ui-failed-{request.node.name}.png"))
        context.close()
    assert not errors, f"errors in the page: {errors}"


def shot(page: Any, name: str) -> Path:
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    return path


def review_the_draft(page: Any) -> Any:
    """Upload the draft, press Review, wait for the panels; the result element."""
    from playwright.sync_api import expect

    draft = page.locator("#mlsd-draft")
    draft.locator("input[type=file]").set_input_files(str(DRAFT))
    expect(draft).to_contain_text("ticket-routing.md")
    page.locator("#mlsd-review-run").click()
    result = page.locator("#mlsd-review-result")
    result.locator("details.mlsd-section").first.wait_for(timeout=REVIEW_TIMEOUT)
    return result


def test_upload_a_draft_see_the_panels_and_open_a_citation(page: Any) -> None:
    from playwright.sync_api import expect

    result = review_the_draft(page)
    status = page.locator("#mlsd-review-status")
    expect(status).to_contain_text("Reviewed ticket-routing.md:")
    expect(status.locator(".mlsd-status-error")).to_have_count(0)
    # The score, the heatmap and one panel per template section.
    score = result.locator(".mlsd-score")
    expect(score).to_be_visible()
    assert 0 <= int(score.get_attribute("data-score") or "-1") <= 100
    expect(result.locator(".mlsd-heatmap .mlsd-cell").first).to_be_visible()
    panels = result.locator("details.mlsd-section")
    assert panels.count() >= 10
    for label in ("Report · Markdown", "Report · JSON", "Report · HTML"):
        expect(page.get_by_role("button", name=label)).to_be_visible()
    shot(page, "ui-review.png")

    # A panel with errors starts open; its first citation opens on the cited passage.
    panel = result.locator("details.mlsd-section[open]").first
    expect(panel).to_be_visible()
    citation = panel.locator("details.mlsd-citation").first
    quote = citation.locator("blockquote.mlsd-quote")
    expect(quote).to_be_hidden()
    citation.locator("summary").click()
    expect(citation).to_have_attribute("open", "")
    expect(quote).to_be_visible()
    assert len(quote.inner_text().strip()) > 40
    expect(citation.locator(".mlsd-cite-meta")).to_contain_text("knowledge/guides/")
    citation.scroll_into_view_if_needed()
    shot(page, "ui-review-citation.png")


def test_ask_a_question_in_the_chat_tab_and_see_a_cited_answer(page: Any) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Chat").click()
    question = page.locator("#mlsd-question textarea")
    expect(question).to_be_visible()
    question.fill(QUESTION)
    page.locator("#mlsd-ask").click()

    chat = page.locator("#mlsd-chatbot")
    cite = chat.locator("details.mlsd-chat-cite").first
    cite.wait_for(timeout=REVIEW_TIMEOUT)
    expect(chat).to_contain_text(QUESTION)
    expect(chat).to_contain_text("Sources")
    expect(chat).not_to_contain_text("Could not answer")
    expect(cite.locator("summary")).to_contain_text("[1]")
    expect(cite.locator("summary")).to_contain_text("knowledge/guides/")
    expect(question).to_have_value("")

    cite.locator("summary").click()
    passage = cite.locator("blockquote")
    expect(passage).to_be_visible()
    assert "drift" in passage.inner_text().lower()
    shot(page, "ui-chat.png")
