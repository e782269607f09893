"""The OSV matcher on crafted advisories: each boundary of a range, both kinds of upper bound,
explicit version lists, and the records it must ignore, so a broken matcher cannot pass quietly."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.audit.osv import Advisory, load_snapshot, match, withdrawn_matches
from tests.audit.crafted import advisory, write_snapshot

RANGE = [{"introduced": "1.0"}, {"fixed": "1.5"}]


def finding(record: dict, package: str, installed: str):
    return match(Advisory.from_osv(record), package, installed)


@pytest.mark.parametrize(
    ("installed", "affected"),
    [
        ("0.9", False),  # below introduced
        ("1.0", True),  # at introduced: inclusive
        ("1.2", True),  # inside
        ("1.5rc1", True),  # a pre-release of the fix is still before it
        ("1.5", False),  # at fixed: exclusive
        ("2.0", False),  # past the range
    ],
)
def test_introduced_fixed_range(installed: str, affected: bool) -> None:
    result = finding(advisory("PYSEC-1", "demo", RANGE), "demo", installed)
    assert (result is not None) is affected
    if affected:
        assert result.fixed == ("1.5",)
        assert result.installed == installed


@pytest.mark.parametrize(
    ("installed", "affected"), [("0.1", True), ("2.3", True), ("2.3.post1", False), ("2.4", False)]
)
def test_last_affected_is_inclusive_and_has_no_fix(installed: str, affected: bool) -> None:
    record = advisory("PYSEC-2", "demo", [{"introduced": "0"}, {"last_affected": "2.3"}])
    result = finding(record, "demo", installed)
    assert (result is not None) is affected
    if affected:
        assert result.fixed == ()


def test_several_ranges_in_one_list_in_any_order() -> None:
    events = [{"fixed": "2.1"}, {"introduced": "2.0"}, {"introduced": "1.0"}, {"fixed": "1.2"}]
    record = advisory("PYSEC-3", "demo", events)
    assert finding(record, "demo", "1.5") is None  # between the two ranges
    assert finding(record, "demo", "1.1").fixed == ("1.2", "2.1")
    assert finding(record, "demo", "2.0.5").fixed == ("2.1",)  # fixes below it do not count
    assert finding(record, "demo", "2.1") is None


def test_explicit_versions_list_without_range() -> None:
    record = advisory("PYSEC-4", "demo", versions=["0.9", "1.0.0"])
    assert finding(record, "demo", "0.9") is not None
    assert finding(record, "demo", "1.0") is not None  # PEP 440: 1.0 == 1.0.0
    assert finding(record, "demo", "0.9.1") is None


def test_withdrawn_advisory_matches_nothing_but_is_reported() -> None:
    record = advisory("PYSEC-5", "demo", RANGE, withdrawn="2023-06-06T10:37:00Z")
    withdrawn = Advisory.from_osv(record)
    assert match(withdrawn, "demo", "1.2") is None
    assert withdrawn_matches(withdrawn, "demo", "1.2")
    assert not withdrawn_matches(withdrawn, "demo", "2.0")


def test_other_ecosystems_and_git_ranges_are_ignored() -> None:
    npm = advisory("GHSA-npm", "demo", RANGE, ecosystem="npm")
    assert finding(npm, "demo", "1.2") is None
    git = advisory("PYSEC-6", "demo")
    git["affected"][0]["ranges"] = [
        {"type": "GIT", "events": [{"introduced": "0"}, {"fixed": "abc123"}]}
    ]
    assert finding(git, "demo", "1.2") is None


@pytest.mark.parametrize("listed", ["Foo_Bar.baz", "foo-bar-baz", "FOO.BAR_BAZ"])
def test_package_names_are_compared_after_pep503_normalisation(listed: str) -> None:
    result = finding(advisory("PYSEC-7", listed, RANGE), "foo_bar-Baz", "1.2")
    assert result is not None
    assert result.package == "foo-bar-baz"
    assert finding(advisory("PYSEC-7", listed, RANGE), "foo-bar", "1.2") is None


def test_snapshot_is_read_from_the_newest_archive(tmp_path: Path) -> None:
    write_snapshot(tmp_path, "2024-01-01", [advisory("PYSEC-OLD", "demo", RANGE)])
    write_snapshot(tmp_path, "2024-10-10", [advisory("PYSEC-NEW", "demo", RANGE)])
    snapshot = load_snapshot(tmp_path)
    assert snapshot.date == "2024-10-10"
    assert [a.id for a in snapshot.advisories] == ["PYSEC-NEW"]
    assert snapshot.newest_modified == "2024-01-02T03:04:05"


def test_missing_snapshot_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="AUDIT_ADVISORIES_DIR"):
        load_snapshot(tmp_path)
