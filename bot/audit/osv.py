"""OSV advisories of the PyPA database and which installed versions they cover.

The snapshot is the database's ``vulns/`` tree in a tarball (see ../shared/advisories/SOURCE.md);
it is read straight from the archive, so nothing is unpacked or cached. Only the ``PyPI``
ecosystem and ``ECOSYSTEM`` ranges are evaluated: ``GIT`` ranges name commits, not releases.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ARCHIVE_GLOB = "pypa-advisory-database-*.tar.gz"
_ARCHIVE_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def _timestamp(value: Any) -> str:
    """YAML reads unquoted RFC 3339 stamps as datetimes, quoted ones as text: one form, to the
    second, so they compare and print alike."""
    return str(value).replace(" ", "T")[:19]


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    modified: str
    withdrawn: str | None
    affected: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_osv(cls, record: Mapping[str, Any]) -> Advisory:
        withdrawn = record.get("withdrawn")
        return cls(
            id=str(record["id"]),
            aliases=tuple(str(alias) for alias in record.get("aliases") or ()),
            modified=_timestamp(record.get("modified", "")),
            withdrawn=_timestamp(withdrawn) if withdrawn else None,
            affected=tuple(record.get("affected") or ()),
        )


@dataclass(frozen=True)
class Finding:
    advisory: Advisory
    package: str  # canonical (PEP 503) name
    installed: str
    fixed: tuple[str, ...]  # releases that fix it, above the installed one, lowest first


@dataclass(frozen=True)
class Snapshot:
    archive: Path
    date: str
    advisories: tuple[Advisory, ...]

    @property
    def newest_modified(self) -> str:
        return max((advisory.modified for advisory in self.advisories), default="")


def load_snapshot(directory: Path) -> Snapshot:
    """Read the newest ``pypa-advisory-database-<date>.tar.gz`` in ``directory``."""
    archives = sorted(directory.glob(ARCHIVE_GLOB))
    if not archives:
        raise FileNotFoundError(f"no {ARCHIVE_GLOB} in {directory} (set AUDIT_ADVISORIES_DIR)")
    archive = archives[-1]
    date = _ARCHIVE_DATE.search(archive.name)
    advisories = []
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith((".yaml", ".yml")):
                record = yaml.load(tar.extractfile(member), Loader=yaml.CSafeLoader)
                advisories.append(Advisory.from_osv(record))
    return Snapshot(archive, date.group(1) if date else "unknown", tuple(advisories))


def _version(text: Any) -> Version | None:
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def _bounds(events: Iterable[Mapping[str, Any]]) -> list[tuple[str, Version | None]]:
    """The (kind, version) events OSV's rule uses, in version order; ``None`` is the
    ``introduced: "0"`` that opens a range below every release."""
    bounds = []
    for event in events:
        for kind, value in event.items():
            if kind == "introduced" and str(value) == "0":
                bounds.append((kind, None))
            elif kind in ("introduced", "fixed", "last_affected") and _version(value):
                bounds.append((kind, _version(value)))
    return sorted(bounds, key=lambda bound: (bound[1] is not None, bound[1] or Version("0")))


def _in_range(version: Version, events: Iterable[Mapping[str, Any]]) -> bool:
    """OSV's rule: walk the events in version order; ``introduced`` opens the range at its
    version, ``fixed`` closes it at its version, ``last_affected`` closes it just after."""
    affected = False
    for kind, bound in _bounds(events):
        if kind == "introduced":
            affected = affected or bound is None or version >= bound
        elif bound is not None and (version >= bound if kind == "fixed" else version > bound):
            affected = False
    return affected


def _ecosystem_ranges(affected: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [r for r in affected.get("ranges") or () if r.get("type") == "ECOSYSTEM"]


def _fixed_above(version: Version, affected: Mapping[str, Any]) -> tuple[str, ...]:
    fixes = {
        _version(event["fixed"])
        for ranges in _ecosystem_ranges(affected)
        for event in ranges.get("events") or ()
        if "fixed" in event
    }
    return tuple(str(fix) for fix in sorted(f for f in fixes if f is not None and f > version))


def _covers(version: Version, affected: Mapping[str, Any]) -> bool:
    if any(_version(listed) == version for listed in affected.get("versions") or ()):
        return True
    return any(_in_range(version, r.get("events") or ()) for r in _ecosystem_ranges(affected))


def match(advisory: Advisory, package: str, installed: str) -> Finding | None:
    """The finding if ``advisory`` (not withdrawn) covers this PyPI release, else ``None``."""
    version = _version(installed)
    if advisory.withdrawn or version is None:
        return None
    name = canonicalize_name(package)
    for affected in advisory.affected:
        subject = affected.get("package") or {}
        if subject.get("ecosystem") != "PyPI" or canonicalize_name(subject.get("name", "")) != name:
            continue
        if _covers(version, affected):
            return Finding(advisory, name, installed, _fixed_above(version, affected))
    return None


def withdrawn_matches(advisory: Advisory, package: str, installed: str) -> bool:
    """Whether a withdrawn advisory would have matched (the report names what it skipped)."""
    if not advisory.withdrawn:
        return False
    live = Advisory(advisory.id, advisory.aliases, advisory.modified, None, advisory.affected)
    return match(live, package, installed) is not None
