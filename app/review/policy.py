"""The team's review policy, applied to a finished review.

Three sources say what to silence: the configuration file (`[rules]`: rules switched off,
severities, kinds of doc with their own not-applicable sections), the kind of doc a draft is
(by path, or `<!-- mlsd-kind NAME -->`), and comments in the draft itself (see
`app.review.directives`). A silenced finding is not dropped: it moves to
`Review.suppressed` with what silenced it and why, so reports can show it and it never counts
towards the exit status. The policy runs after the cache, so changing it never needs a
recomputed review.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.draft import Draft
from app.review.directives import DirectiveKind, parse_directives
from app.review.findings import fix_first, rank, weigh
from app.review.models import Finding, Review, SectionReview, Suppression, Verdict
from app.review.score import review_score
from app.rubric.models import Rubric, RubricSection, Severity
from app.settings import RulesConfig

# Rules every template has, per section; risk and consistency rules come from their catalogues.
SECTION_RULES = ("gaps", "placeholders", "section", "edit")


@dataclass(frozen=True)
class Silencer:
    """One reason to silence findings: a rule pattern or a section, and where it came from."""

    by: str
    reason: str = ""
    line: int | None = None

    def suppress(self, finding: Finding) -> Suppression:
        """The record of a finding this silenced."""
        return Suppression(finding=finding, by=self.by, reason=self.reason, line=self.line)

    def label(self) -> str:
        """'line 12: no model to compare' or 'kind:batch-job'."""
        where = f"line {self.line}" if self.line else self.by
        return f"{where}: {self.reason}" if self.reason else where


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob as a regex: `**` spans folders, `*` and `?` stay inside one."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def path_matches(pattern: str, path: str) -> bool:
    """Whether a relative POSIX path matches a glob such as 'docs/batch/**' or '*.md'."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    return bool(_glob_regex(pattern).match(path))


class Policy:
    """The configuration's rules, bound to the folder its globs are relative to."""

    def __init__(self, config: RulesConfig | None = None, root: Path | None = None) -> None:
        self.config = config or RulesConfig()
        self.root = (root or Path.cwd()).resolve()

    def kinds_of(self, document: str) -> list[str]:
        """The configured kinds whose paths match a document (by its path)."""
        try:
            relative = Path(os.path.abspath(document)).relative_to(self.root).as_posix()
        except ValueError:
            return []
        return [
            name
            for name, kind in self.config.kinds.items()
            if any(path_matches(p, relative) for p in kind.paths)
        ]

    def apply(self, review: Review, draft: Draft, rubric: Rubric, risk_rules: set[str]) -> Review:
        """The review with the policy applied (the same object when nothing applies)."""
        directives = parse_directives(draft)
        warnings = [f"mlsd comment on {w}" for w in directives.warnings]
        kinds = self.kinds_of(draft.source_id)
        for directive in directives.of(DirectiveKind.KIND):
            for name in directive.names:
                if name in self.config.kinds:
                    kinds.append(name)
                else:
                    known = ", ".join(sorted(self.config.kinds)) or "none configured"
                    warnings.append(
                        f"line {directive.line}: unknown kind of doc '{name}' (known: {known})"
                    )

        rules: list[tuple[str, Silencer]] = [(p, Silencer("config")) for p in self.config.disable]
        sections: dict[str, Silencer] = {}
        for name in dict.fromkeys(kinds):
            kind = self.config.kinds[name]
            rules += [(p, Silencer(f"kind:{name}")) for p in kind.disable]
            for section_id in kind.not_applicable:
                sections.setdefault(section_id, Silencer(f"kind:{name}", f"not part of a {name}"))
        for directive in directives.of(DirectiveKind.DISABLE):
            silencer = Silencer("inline", directive.reason, directive.line)
            rules += [(p, silencer) for p in directive.names]
        for directive in directives.of(DirectiveKind.DISABLE_SECTION):
            silencer = Silencer("inline", directive.reason, directive.line)
            named = directive.names or _sections_under(review, draft, directive.line)
            if not named:
                warnings.append(
                    f"line {directive.line}: mlsd-disable-section stands under a heading that "
                    "matches no template section; name the section, e.g. "
                    "<!-- mlsd-disable-section monitoring -->"
                )
            for section_id in named:
                sections.setdefault(section_id, silencer)

        warnings += _unknown(rules, sections, rubric, risk_rules, self.config.severity)
        if not (rules or sections or self.config.severity or warnings):
            return review
        return _applied(review, rubric, rules, sections, self.config.severity, warnings)


def _sections_under(review: Review, draft: Draft, line: int) -> list[str]:
    """Template sections matched to the draft heading a line stands under."""
    under = None
    for section in draft.sections:
        start = section.location.line_start
        if start is not None and start <= line:
            under = section
    if under is None or not under.heading:
        return []
    return [
        s.section_id
        for s in review.sections
        if any(
            a.heading == under.heading and a.location.line_start == under.location.line_start
            for a in s.aligned
        )
    ]


def _known_rules(rubric: Rubric, risk_rules: set[str]) -> set[str]:
    section_rules = {f"{s.id}.{r}" for s in rubric.sections for r in SECTION_RULES}
    return section_rules | risk_rules


def _unknown(
    rules: list[tuple[str, Silencer]],
    sections: dict[str, Silencer],
    rubric: Rubric,
    risk_rules: set[str],
    severity: dict[str, Severity],
) -> list[str]:
    """One warning per rule pattern or section id that names nothing: a typo must not
    silently silence nothing."""
    known = _known_rules(rubric, risk_rules)
    ids = {s.id for s in rubric.sections}
    out = []
    seen: set[str] = set()
    for pattern, silencer in [*rules, *((p, Silencer("config")) for p in severity)]:
        if pattern in seen or pattern.startswith("risk.llm."):
            continue
        seen.add(pattern)
        if not any(fnmatch.fnmatchcase(rule, pattern) for rule in known):
            where = f"on line {silencer.line}" if silencer.line else "in the configuration"
            out.append(f"rule '{pattern}' {where} matches no rule of this template")
    for section_id, silencer in sections.items():
        if section_id not in ids:
            where = f"line {silencer.line}" if silencer.line else silencer.by
            out.append(
                f"section '{section_id}' ({where}) is not in the template "
                f"(sections: {', '.join(sorted(ids))})"
            )
    return out


def _silencer(finding: Finding, rules: list[tuple[str, Silencer]]) -> Silencer | None:
    for pattern, silencer in rules:
        if fnmatch.fnmatchcase(finding.rule_id, pattern):
            return silencer
    return None


def _severity(finding: Finding, severity: dict[str, Severity]) -> Severity | None:
    if finding.rule_id in severity:
        return severity[finding.rule_id]
    return next((v for p, v in severity.items() if fnmatch.fnmatchcase(finding.rule_id, p)), None)


def _applied(
    review: Review,
    rubric: Rubric,
    rules: list[tuple[str, Silencer]],
    sections: dict[str, Silencer],
    severity: dict[str, Severity],
    warnings: list[str],
) -> Review:
    out = review.model_copy(deep=True)
    by_id: dict[str, RubricSection] = {s.id: s for s in rubric.sections}
    suppressed: list[Suppression] = list(out.suppressed)

    def keep(findings: list[Finding], section: RubricSection | None, status: str) -> list[Finding]:
        kept = []
        for finding in findings:
            silencer = _silencer(finding, rules)
            if silencer is not None:
                suppressed.append(silencer.suppress(finding))
                continue
            new = _severity(finding, severity)
            if new is not None and new != finding.severity:
                finding.severity = new
                finding.impact = weigh(finding, section, status)
            kept.append(finding)
        return rank(kept)

    for section_review in out.sections:
        silencer = sections.get(section_review.section_id)
        if silencer is not None:
            _mark_not_applicable(section_review, silencer, suppressed)
            continue
        rubric_section = by_id.get(section_review.section_id)
        section_review.findings = keep(
            section_review.findings, rubric_section, section_review.status
        )
    out.findings = keep(out.findings, None, "partial")
    out.suppressed = suppressed
    if sections:
        out.score = review_score(rubric, out.sections)
    out.fix_first = [f.id for f in fix_first(out.all_findings())]
    out.warnings = [*out.warnings, *warnings]
    return out


def _mark_not_applicable(
    section: SectionReview, silencer: Silencer, suppressed: list[Suppression]
) -> None:
    suppressed += [silencer.suppress(f) for f in section.findings]
    section.findings = []
    section.status = "not_applicable"
    section.note = f"not applicable ({silencer.label()})"
    for verdict in section.verdicts:
        verdict.verdict = Verdict.NOT_APPLICABLE
        verdict.reason = "the section was marked not applicable"
