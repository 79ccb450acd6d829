"""The web app's helpers, without a server: safe .zip extraction, what the page shows for a
review, a batch, the knowledge base and a chat answer, report downloads, and bind safety."""

from __future__ import annotations

import io
import stat
import time
import zipfile
from pathlib import Path

import pytest

from app.chat.models import Answer, ChatCitation
from app.cli import main
from app.errors import ConfigError
from app.llm.check import LLMCheck
from app.review.batch import BatchItem
from app.review.models import (
    AlignedSection,
    Citation,
    Evidence,
    Finding,
    FindingKind,
    QuestionVerdict,
    Review,
    SectionReview,
    SuggestedEdit,
    Verdict,
)
from app.rubric.models import Severity
from app.settings import load_settings
from app.ui.actions import SessionPrefs, UIContext, collect_drafts, is_draft_name
from app.ui.bind import check_bind, display_url, is_loopback, parse_auth
from app.ui.files import Workspace, edits_diff, report_stem, write_batch_zip, write_review_files
from app.ui.view import (
    EXTRAS_MARK,
    answer_markdown,
    batch_rows,
    check_text,
    hits_html,
    mode_markdown,
    plain_history,
    source_rows,
)
from app.ui.view_review import anchor, review_html
from app.ui.zipsafe import ZipRejected, extract_zip, safe_member_name
from ingest.models import Location
from ingest.store import Hit, SourceInfo, StoreStats

DRAFT = "# Plan\n\n## Goals\n\nCut misrouted tickets.\n"


def make_review(document: str = "docs/plan.md", fmt: str = "markdown") -> Review:
    """A small review with one covered and one missing section, a risk with a hostile quote."""
    citation = Citation(
        chunk_id="c1",
        source="knowledge/guides/14-monitoring-drift.md",
        title="Monitoring",
        heading_path=["Monitoring", "Drift"],
        location=Location(line_start=75, line_end=82),
        url="https://example.org/guide",
        quote="Drift is a change between the data the model learned from and the data it sees.",
        score=0.71,
    )
    gap = Finding(
        id="f1",
        rule_id="monitoring.q1",
        kind=FindingKind.GAP,
        severity=Severity.ERROR,
        section_id="monitoring",
        title="Monitoring: missing answer",
        message="Not answered: how will you detect drift?",
        citations=[citation],
    )
    risk = Finding(
        id="f2",
        rule_id="risk.placeholders",
        kind=FindingKind.RISK,
        severity=Severity.WARNING,
        section_id="monitoring",
        title="Placeholders left",
        message="The draft says <script>alert(1)</script> TBD.",
        evidence=[Evidence(quote="Drift: <b>TODO</b>", location=Location(line_start=9))],
    )
    edit = Finding(
        id="f3",
        rule_id="monitoring.edit",
        kind=FindingKind.SUGGESTION,
        severity=Severity.NOTE,
        section_id="monitoring",
        title="Suggested edit",
        message="Fill in the open questions.",
        suggested_edit=SuggestedEdit(after_line=5, text="\n## Monitoring\n\n- TODO: drift plan"),
    )
    goals = SectionReview(
        section_id="goals",
        number="2.4",
        title="Business metrics",
        aligned=[AlignedSection(heading="Goals", location=Location(line_start=3), confidence=0.9)],
        coverage=100.0,
        status="covered",
        verdicts=[
            QuestionVerdict(
                question_id="goals.q1",
                question="Which business metric?",
                verdict=Verdict.COVERED,
                evidence=[
                    Evidence(quote="Cut misrouted tickets.", location=Location(line_start=5))
                ],
            )
        ],
    )
    monitoring = SectionReview(
        section_id="monitoring",
        number="5.5",
        title="Monitoring & drift",
        coverage=0.0,
        status="missing",
        verdicts=[
            QuestionVerdict(
                question_id="monitoring.q1",
                question="How will you detect drift?",
                verdict=Verdict.MISSING,
            )
        ],
        findings=[gap, risk, edit],
    )
    return Review(
        document=document,
        document_hash="abc123",
        document_format=fmt,
        document_title="Plan",
        rubric_id="default",
        rubric_version="v1",
        kb_fingerprint="kb1",
        mode="offline",
        score=50.0,
        sections=[goals, monitoring],
        warnings=["the draft has no headings"],
    )


def make_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- zip safety ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("docs/a.md", "docs/a.md"),
        ("./docs//a.md", "docs/a.md"),
        ("docs\\win\\a.md", "docs/win/a.md"),
        ("../evil.md", None),
        ("docs/../../evil.md", None),
        ("/etc/passwd", None),
        ("C:/Windows/evil.md", None),
        ("c:evil.md", None),
        ("", None),
    ],
)
def test_member_names_that_escape_the_folder_are_refused(name: str, expected: str | None) -> None:
    assert safe_member_name(name) == expected


def test_traversal_and_absolute_entries_are_skipped_and_nothing_lands_outside(
    tmp_path: Path,
) -> None:
    source = write(
        tmp_path / "in.zip",
        make_zip(
            {
                "docs/good.md": b"# Good\n",
                "../evil.md": b"x",
                "docs/../../evil2.md": b"x",
                "/abs.md": b"x",
            }
        ),
    )
    dest = tmp_path / "out" / "here"
    out = extract_zip(source, dest, max_entries=10, max_bytes=10_000)
    assert [name for name, _ in out.files] == ["docs/good.md"]
    assert (dest / "docs" / "good.md").read_bytes() == b"# Good\n"
    assert len(out.skipped) == 3 and all("unsafe path" in line for line in out.skipped)
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {"in.zip", "out/here/docs/good.md"}


def test_symlink_entries_are_skipped(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("docs/link.md")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("docs/real.md", "# Real\n")
    source = write(tmp_path / "links.zip", buffer.getvalue())
    out = extract_zip(source, tmp_path / "out", max_entries=10, max_bytes=10_000)
    assert [name for name, _ in out.files] == ["docs/real.md"]
    assert out.skipped == ["docs/link.md: symbolic link, skipped"]
    assert not (tmp_path / "out" / "docs" / "link.md").exists()


def test_too_many_entries_is_rejected(tmp_path: Path) -> None:
    source = write(tmp_path / "many.zip", make_zip({f"d/{i}.md": b"# x\n" for i in range(11)}))
    with pytest.raises(ZipRejected, match="11 entries, over the limit of 10"):
        extract_zip(source, tmp_path / "out", max_entries=10, max_bytes=10_000_000)


def test_a_zip_bomb_is_rejected_by_its_declared_size(tmp_path: Path) -> None:
    source = write(tmp_path / "bomb.zip", make_zip({"big.md": b"0" * 5_000_000}))
    assert source.stat().st_size < 50_000  # tiny on the wire
    with pytest.raises(ZipRejected, match="uncompressed, over the limit"):
        extract_zip(source, tmp_path / "out", max_entries=10, max_bytes=1_000_000)
    assert not any((tmp_path / "out").rglob("*.md"))


def _patch_sizes(data: bytes, size: int) -> bytes:
    """Rewrite every uncompressed-size field (local and central headers) to lie."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := out.find(signature, start)) != -1:
            out[at + offset : at + offset + 4] = size.to_bytes(4, "little")
            start = at + 4
    return bytes(out)


def test_a_zip_that_lies_about_its_size_never_writes_past_the_cap(tmp_path: Path) -> None:
    source = write(tmp_path / "liar.zip", _patch_sizes(make_zip({"big.md": b"0" * 3_000_000}), 10))
    dest = tmp_path / "out"
    try:
        out = extract_zip(source, dest, max_entries=10, max_bytes=1_000_000)
    except ZipRejected:
        out = None
    written = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    assert written <= 1_000_000
    if out is not None:
        assert out.files == [] and "corrupt entry" in out.skipped[0]


def test_a_corrupt_zip_is_a_clear_error(tmp_path: Path) -> None:
    source = write(tmp_path / "broken.zip", b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ZipRejected, match=r"broken\.zip: not a valid \.zip file"):
        extract_zip(source, tmp_path / "out", max_entries=10, max_bytes=10_000)


def test_a_damaged_entry_is_skipped_and_the_rest_kept(tmp_path: Path) -> None:
    data = bytearray(make_zip({"a.md": bytes(range(256)) * 8, "b.md": b"# B\n"}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("a.md")
    start = info.header_offset + 30 + len("a.md") + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle : middle + 16] = b"\xff" * 16  # damage a.md's compressed bytes only
    source = write(tmp_path / "damaged.zip", bytes(data))
    out = extract_zip(source, tmp_path / "out", max_entries=10, max_bytes=10_000)
    assert [name for name, _ in out.files] == ["b.md"]
    assert out.skipped and out.skipped[0].startswith("a.md: corrupt entry")


def test_encrypted_entries_are_skipped(tmp_path: Path) -> None:
    data = bytearray(make_zip({"secret.md": b"# S\n"}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x1
    source = write(tmp_path / "enc.zip", bytes(data))
    out = extract_zip(source, tmp_path / "out", max_entries=10, max_bytes=10_000)
    assert out.files == [] and out.skipped == ["secret.md: encrypted, skipped"]


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("docs/design.md", True),
        ("docs/design.PDF", True),
        ("docs/README.md", False),
        ("docs/LICENSE.txt", False),
        ("__MACOSX/docs/._design.md", False),
        ("docs/.hidden/design.md", False),
        ("docs/diagram.png", False),
    ],
)
def test_only_design_docs_are_taken_from_a_folder(name: str, kept: bool) -> None:
    assert is_draft_name(name) is kept


def test_collect_drafts_names_documents_by_their_path_in_the_zip(tmp_path: Path) -> None:
    archive = write(
        tmp_path / "docs.zip",
        make_zip({"docs/a.md": b"# A\n", "docs/README.md": b"# R\n", "docs/img.png": b"x"}),
    )
    loose = write(tmp_path / "b.md", b"# B\n")
    other = write(tmp_path / "notes.csv", b"x")
    settings = load_settings()
    docs, skipped = collect_drafts([str(archive), str(loose), str(other)], settings, tmp_path / "x")
    assert [name for name, _ in docs] == ["docs/a.md", "b.md"]
    assert any("2 file(s) that are not drafts were ignored" in s for s in skipped)
    assert any(s.startswith("notes.csv: not a draft") for s in skipped)


def test_collect_drafts_keeps_two_documents_with_the_same_name(tmp_path: Path) -> None:
    first = tmp_path / "one"
    second = tmp_path / "two"
    first.mkdir()
    second.mkdir()
    docs, _ = collect_drafts(
        [str(write(first / "plan.md", b"# A\n")), str(write(second / "plan.md", b"# B\n"))],
        load_settings(),
        tmp_path / "x",
    )
    assert [name for name, _ in docs] == ["plan.md", "plan-2.md"]


# --- the review panel -----------------------------------------------------------------------


def test_review_html_has_a_panel_and_a_heatmap_cell_per_section() -> None:
    html = review_html(make_review())
    assert html.count('<details class="mlsd-section"') == 2
    assert html.count('class="mlsd-cell"') == 2
    assert f'href="#{anchor("monitoring")}"' in html and f'id="{anchor("monitoring")}"' in html
    assert "Monitoring &amp; drift" in html
    assert 'data-score="50"' in html


def test_sections_with_errors_start_open() -> None:
    html = review_html(make_review())
    assert f'id="{anchor("monitoring")}" data-status="missing" open>' in html
    assert f'id="{anchor("goals")}" data-status="covered">' in html


def test_a_citation_opens_on_source_heading_location_and_quote() -> None:
    html = review_html(make_review())
    start = html.index('<details class="mlsd-citation"')
    citation = html[start : html.index("</details>", start)]
    assert "knowledge/guides/14-monitoring-drift.md" in citation
    assert "Monitoring &gt; Drift" in citation
    assert "lines 75-82" in citation
    assert "Drift is a change between the data" in citation
    assert 'href="https://example.org/guide"' in citation


def test_text_from_the_draft_is_escaped() -> None:
    html = review_html(make_review())
    assert "<script>" not in html and "<b>TODO</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_gaps_risks_and_edits_are_grouped_in_their_section() -> None:
    html = review_html(make_review())
    for heading in ("Gaps (1)", "Risks (1)", "Suggestions (1)"):
        assert heading in html
    assert "- TODO: drift plan" in html and "insert after line 5" in html


# --- other display values --------------------------------------------------------------------


def test_batch_rows_show_scores_counts_and_failures() -> None:
    rows = batch_rows(
        [
            BatchItem(path="docs/plan.md", review=make_review()),
            BatchItem(path="docs/bad.pdf", error="docs/bad.pdf: corrupt PDF"),
        ]
    )
    assert rows[0] == ["docs/plan.md", "50", "1", "1", "1", "reviewed, 1 warning(s)"]
    assert rows[1][0] == "docs/bad.pdf" and rows[1][5] == "failed: corrupt PDF"


def test_sources_are_listed_newest_first() -> None:
    stats = StoreStats(
        backend="embedded",
        collection="c",
        embedding_model="m",
        chunks=3,
        sources=[
            SourceInfo(source_id="a.md", title="A", content_hash="h", chunks=1, ingested_at=1.0),
            SourceInfo(source_id="b.md", title="B", content_hash="h", chunks=2, ingested_at=9e8),
        ],
    )
    rows = source_rows(stats)
    assert [r[0] for r in rows] == ["b.md", "a.md"]
    assert rows[0][2] == "2" and rows[0][3] == time.strftime("%Y-%m-%d %H:%M", time.localtime(9e8))


def _answer() -> Answer:
    return Answer(
        question="How to detect drift?",
        standalone_question="How to detect drift?",
        text="Compare distributions [1].",
        citations=[
            ChatCitation(
                number=1,
                kind="guide",
                chunk_id="c1",
                source="guides/monitoring.md",
                title="Monitoring",
                heading_path=["Drift"],
                location=Location(line_start=3, line_end=9),
                quote="Use PSI <or> KS tests.",
                score=0.61,
            )
        ],
        notes=["Searched for: drift"],
    )


def test_a_chat_answer_lists_numbered_sources_that_open_on_the_passage() -> None:
    text = answer_markdown(_answer())
    assert text.startswith("Compare distributions [1].")
    assert "[1] guides/monitoring.md — Drift, lines 3-9 · 0.61" in text
    assert "<blockquote>Use PSI &lt;or&gt; KS tests.</blockquote>" in text
    assert "> Searched for: drift" in text


def test_history_sent_back_drops_sources_and_reads_gradio_blocks() -> None:
    history = [
        {"role": "user", "content": [{"type": "text", "text": "How to detect drift?"}]},
        {"role": "assistant", "content": answer_markdown(_answer())},
        {"role": "system", "content": "ignored"},
    ]
    assert plain_history(history) == [
        {"role": "user", "content": "How to detect drift?"},
        {"role": "assistant", "content": "Compare distributions [1]."},
    ]
    assert EXTRAS_MARK.strip() not in str(plain_history(history))


def test_search_hits_are_escaped_cards() -> None:
    hit = Hit(
        chunk_id="c",
        text="Roll back <fast>.",
        source_id="g.md",
        title="Rollback",
        heading_path=["Risks"],
        location=Location(page=3),
        score=0.5,
    )
    html = hits_html("rollback", [hit])
    assert "Roll back &lt;fast&gt;." in html and "page 3" in html and "Rollback" in html
    assert "Nothing in the knowledge base matches" in hits_html("zzz", [])


def test_the_connection_test_says_what_mlsd_llm_check_says() -> None:
    bad = LLMCheck(
        ok=False,
        provider="ollama",
        model="llama3",
        base_url="http://localhost:11434",
        problem="connection_refused",
        message="no server at http://localhost:11434 (connection refused)",
        fix="start Ollama",
    )
    assert check_text(bad) == (
        "not ok: ollama:llama3 at http://localhost:11434: no server at "
        "http://localhost:11434 (connection refused)\nfix: start Ollama"
    )
    good = LLMCheck(
        ok=True, provider="openai", model="m", base_url="http://h/v1", message="openai m answered"
    )
    assert check_text(good) == "ok: openai m answered (http://h/v1)"


def test_the_mode_line_names_the_session_llm(tmp_path: Path) -> None:
    ctx = UIContext(settings=load_settings(), workspace=Workspace(tmp_path / "ws"))
    assert "offline" in mode_markdown(ctx.settings_for(None), "review")
    chosen = ctx.settings_for(SessionPrefs(llm="ollama:llama3", llm_base_url="http://h:11434"))
    assert mode_markdown(chosen, "chat") == "**Mode:** LLM ollama:llama3 at http://h:11434"
    locked = UIContext(settings=load_settings(), workspace=ctx.workspace, lock_llm=True)
    assert locked.settings_for(SessionPrefs(llm="ollama:x")).llm == "none"


# --- downloads and scratch folders ---------------------------------------------------------------


def test_report_names_are_safe_file_names() -> None:
    assert report_stem("docs/a/b.md") == "docs__a__b"
    assert report_stem("../../etc/passwd") == "etc__passwd"
    assert report_stem("pasted-draft.md") == "pasted-draft"


def test_review_downloads_include_a_diff_for_markdown_only(tmp_path: Path) -> None:
    files = write_review_files(make_review("plan.md"), DRAFT.encode(), tmp_path / "md")
    assert files.markdown.name == "plan.review.md" and files.json.exists() and files.html.exists()
    assert files.diff is not None
    diff = files.diff.read_text()
    assert diff.startswith("--- a/plan.md\n+++ b/plan.md\n") and "+- TODO: drift plan" in diff
    pdf = write_review_files(make_review("plan.pdf", "pdf"), b"%PDF", tmp_path / "pdf")
    assert pdf.diff is None
    assert edits_diff(make_review("plan.md"), None) == ""


def test_the_batch_zip_holds_every_report_a_sarif_log_and_the_errors(tmp_path: Path) -> None:
    items = [
        BatchItem(path="docs/plan.md", review=make_review("docs/plan.md")),
        BatchItem(path="docs/bad.pdf", error="docs/bad.pdf: corrupt PDF"),
    ]
    target = write_batch_zip(items, {"docs/plan.md": DRAFT.encode()}, tmp_path / "r.zip", "csv\n")
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        assert archive.read("errors.txt").decode() == "docs/bad.pdf: corrupt PDF\n"
    assert names == {
        "reports/docs__plan.md",
        "reports/docs__plan.json",
        "reports/docs__plan.html",
        "reports/docs__plan.diff",
        "mlsd.sarif",
        "summary.csv",
        "errors.txt",
    }


def test_old_job_folders_are_pruned(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws", max_age=60)
    old = workspace.job("review")
    assert workspace.prune(now=time.time() + 120) == 1
    fresh = workspace.job("review")
    assert not old.exists() and fresh.exists()


def test_a_workspace_never_deletes_what_it_did_not_create(tmp_path: Path) -> None:
    given = tmp_path / "given"
    given.mkdir()
    (given / "keep.txt").write_text("not ours")
    (given / "review-old").mkdir()  # looks like a job folder, but this workspace did not make it
    workspace = Workspace(given, max_age=0)
    job = workspace.job("review")
    workspace.prune(now=time.time() + 10)
    workspace.cleanup()
    assert not job.exists()
    assert (given / "keep.txt").read_text() == "not ours" and (given / "review-old").is_dir()


def test_a_workspace_removes_the_folder_it_made(tmp_path: Path) -> None:
    workspace = Workspace()
    workspace.job("batch")
    root = workspace.root
    workspace.cleanup()
    assert not root.exists()


# --- who may connect ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("::", False),
        ("example.org", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_network_address_needs_a_password_or_the_explicit_flag() -> None:
    check_bind("127.0.0.1", None, False)
    check_bind("0.0.0.0", ("ann", "pw"), False)
    check_bind("0.0.0.0", None, True)
    with pytest.raises(ConfigError, match="MLSD_UI_AUTH"):
        check_bind("0.0.0.0", None, False)


def test_credentials_must_be_user_colon_password() -> None:
    assert parse_auth("ann:s3:cret") == ("ann", "s3:cret")
    for bad in ("ann", ":pw", "ann:"):
        with pytest.raises(ConfigError, match="user:password"):
            parse_auth(bad)


def test_display_url_shows_a_reachable_address() -> None:
    assert display_url("0.0.0.0", 7860) == "http://127.0.0.1:7860"
    assert display_url("::1", 80) == "http://[::1]:80"


def _serve(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(["serve", *args])
    _, err = capsys.readouterr()
    return int(info.value.code or 0), err


def test_serve_refuses_an_open_network_address_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = _serve(capsys, "--host", "0.0.0.0")
    assert code == 2
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert "--open-to-network" in err and "MLSD_UI_AUTH" in err


def test_serve_rejects_malformed_credentials_without_echoing_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLSD_UI_AUTH", "justapassword")
    code, err = _serve(capsys, "--host", "0.0.0.0")
    assert code == 2 and "user:password" in err and "justapassword" not in err
    assert err.strip().count("\n") == 0
