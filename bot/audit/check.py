"""Match the installed distributions against the snapshot, apply the allowlist, print a report.

A finding passes only when its fix is blocked by the pins and the checked-in allowlist names it
with a reason: an allowlisted finding that a pin bump could fix fails, and so does an entry that
matches nothing any more, so the list cannot keep excusing what can be or was fixed.
"""

from __future__ import annotations

import sysconfig
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from packaging.utils import canonicalize_name

from bot.audit.osv import Advisory, Finding, Snapshot, load_snapshot, match, withdrawn_matches
from bot.audit.pins import Constraint, Environment, first_fitting, pin_sources, read_environment


@dataclass(frozen=True)
class Excuse:
    """An allowlist entry: this advisory on this package is accepted, and why."""

    id: str
    package: str
    reason: str


@dataclass(frozen=True)
class Verdict:
    finding: Finding
    pinned_in: str
    fitting_fix: str | None
    blockers: tuple[Constraint, ...]  # what refuses the lowest fix, when none fits
    excuse: Excuse | None

    @property
    def accepted(self) -> bool:
        return self.excuse is not None and self.fitting_fix is None


@dataclass
class AuditResult:
    snapshot: Snapshot
    distributions: int
    verdicts: list[Verdict] = field(default_factory=list)
    withdrawn: list[tuple[Advisory, str, str]] = field(default_factory=list)
    stale: list[Excuse] = field(default_factory=list)

    @property
    def failures(self) -> list[Verdict]:
        return [verdict for verdict in self.verdicts if not verdict.accepted]

    @property
    def passed(self) -> bool:
        return not self.failures and not self.stale


def venv_site_packages() -> tuple[str, ...]:
    """The running interpreter's site-packages (run with .venv/bin/python to audit .venv)."""
    paths = sysconfig.get_paths()
    return tuple(dict.fromkeys((paths["purelib"], paths["platlib"])))


def load_allowlist(path: Path) -> dict[tuple[str, str], Excuse]:
    entries = yaml.safe_load(path.read_text()) or []
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a list of entries with id, package and reason")
    excuses = {}
    for number, entry in enumerate(entries, start=1):
        values = [str(entry.get(key) or "").strip() for key in ("id", "package", "reason")]
        if not all(values):
            raise ValueError(f"{path}: entry {number} needs a non-empty id, package and reason")
        excuse = Excuse(values[0], canonicalize_name(values[1]), values[2])
        excuses[(excuse.id, excuse.package)] = excuse
    return excuses


def _by_package(advisories: Sequence[Advisory]) -> dict[str, list[Advisory]]:
    index: dict[str, list[Advisory]] = defaultdict(list)
    for advisory in advisories:
        for name in {(a.get("package") or {}).get("name", "") for a in advisory.affected}:
            index[canonicalize_name(name)].append(advisory)
    return index


def _verdict(
    finding: Finding, environment: Environment, sources: dict[str, str], excuse: Excuse | None
) -> Verdict:
    fitting = first_fitting(environment, finding.package, finding.fixed)
    blockers = ()
    if fitting is None and finding.fixed:
        blockers = tuple(environment.blockers(finding.package, finding.fixed[0]))
    pinned_in = sources.get(finding.package, "no requirements file")
    return Verdict(finding, pinned_in, fitting, blockers, excuse)


def audit(
    snapshot: Snapshot,
    environment: Environment,
    sources: dict[str, str],
    allowlist: dict[tuple[str, str], Excuse],
) -> AuditResult:
    result = AuditResult(snapshot, len(environment.versions))
    index = _by_package(snapshot.advisories)
    used: set[tuple[str, str]] = set()
    for package, version in sorted(environment.versions.items()):
        for advisory in index.get(package, ()):
            finding = match(advisory, package, version)
            if finding is not None:
                key = (advisory.id, package)
                used.add(key)
                result.verdicts.append(_verdict(finding, environment, sources, allowlist.get(key)))
            elif withdrawn_matches(advisory, package, version):
                result.withdrawn.append((advisory, package, version))
    result.stale = [excuse for key, excuse in allowlist.items() if key not in used]
    return result


def _fix_line(verdict: Verdict) -> str:
    if not verdict.finding.fixed:
        return "no: no fixed release is published"
    if verdict.fitting_fix is not None:
        return f"yes, {verdict.fitting_fix} (bump requirements/lock.txt)"
    refused = "; ".join(str(blocker) for blocker in verdict.blockers)
    return f"no: {refused} (for {verdict.finding.fixed[0]})"


def render(result: AuditResult, site_packages: Sequence[str], allowlist: Path) -> str:
    snapshot = result.snapshot
    lines = [
        f"dependency audit against the PyPA advisory database of {snapshot.date}",
        f"  snapshot: {snapshot.archive} ({len(snapshot.advisories)} advisories, newest "
        f"modified {snapshot.newest_modified}); anything published later is unknown here",
        f"  installed: {result.distributions} distributions in {', '.join(site_packages)}",
        f"  allowlist: {allowlist}",
        "  a fix fits the pins when the Requires-Dist of every installed distribution allows it"
        " (Rasa's as its pins were resolved: Python 3.10, spacy extra)",
        f"findings: {len(result.verdicts)} ({len(result.failures)} failing)",
    ]
    for verdict in result.verdicts:
        finding = verdict.finding
        ids = ", ".join(finding.advisory.aliases) or "no aliases"
        status = "ALLOWED" if verdict.accepted else "FAIL"
        lines += [
            f"  {status} {finding.advisory.id} ({ids}): {finding.package} {finding.installed}"
            f" (pinned in {verdict.pinned_in})",
            f"    fixed in: {', '.join(finding.fixed) or 'none'}",
            f"    fix fits the pins: {_fix_line(verdict)}",
        ]
        if verdict.excuse:
            lines.append(f"    allowlisted: {verdict.excuse.reason}")
    for advisory, package, version in result.withdrawn:
        lines.append(
            f"  skipped {advisory.id}: {package} {version} matches, but the advisory was "
            f"withdrawn {advisory.withdrawn}"
        )
    for excuse in result.stale:
        lines.append(f"  FAIL stale allowlist entry {excuse.id} ({excuse.package}): not found")
    verdict_line = "PASS" if result.passed else "FAIL"
    lines.append(f"audit: {verdict_line}")
    return "\n".join(lines)


def run(
    advisories_dir: Path,
    allowlist_path: Path,
    requirements_dir: Path,
    site_packages: Sequence[str] | None = None,
) -> int:
    """Print the report; 0 when every finding is allowlisted and no entry is stale, else 1."""
    paths = tuple(site_packages or venv_site_packages())
    result = audit(
        load_snapshot(advisories_dir),
        read_environment(paths),
        pin_sources(requirements_dir),
        load_allowlist(allowlist_path),
    )
    print(render(result, paths, allowlist_path))
    return 0 if result.passed else 1
