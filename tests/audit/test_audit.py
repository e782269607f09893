"""The audit end to end: crafted environments and snapshots for every verdict, then the real
snapshot against the real venv (must pass) and against an old aiohttp (must fail)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.audit.check import load_allowlist, run, venv_site_packages
from bot.audit.pins import first_fitting, read_environment
from bot.settings import PROJECT_ROOT, load_settings
from tests.audit.crafted import advisory, write_distribution, write_snapshot

RASA_REQUIRES = [
    "aiohttp (>=3.9.0,<3.10)",
    "matplotlib (>=3.1,<3.6)",
    'numpy (>=1.19.2,<1.25.0) ; python_version >= "3.8" and python_version < "3.11"',
    'spacy (>=3.1,<3.5) ; extra == "spacy" or extra == "full"',
    'transformers (>=4.36.2,<4.37.0) ; extra == "transformers" or extra == "full"',
]
PINS = {
    "rasa-py311.txt": "aiohttp==3.9.1\nmatplotlib==3.7.5\nnumpy==1.23.5\nrasa==3.6.21\n",
    "project.in": "# ours\nourlib\ntransformers==4.46.3\n",
    "dev.in": "pytest\n",
    "lock.txt": "aiohttp==3.9.1\nourlib==1.0\n",
}
FIXABLE = advisory("PYSEC-FIXABLE", "aiohttp", [{"introduced": "0"}, {"fixed": "3.9.2"}])
BLOCKED = advisory(
    "PYSEC-BLOCKED", "aiohttp", [{"introduced": "3.0"}, {"fixed": "3.10.2"}], aliases=["CVE-1"]
)
NO_FIX = advisory("PYSEC-NOFIX", "numpy", [{"introduced": "0"}, {"last_affected": "1.23.5"}])
OURS = advisory("PYSEC-OURS", "OurLib", [{"introduced": "0"}, {"fixed": "1.1"}])
WITHDRAWN = advisory("PYSEC-GONE", "spacy", [{"introduced": "0"}], withdrawn="2023-06-06T10:37:00Z")
NPM = advisory("GHSA-NPM", "aiohttp", [{"introduced": "0"}, {"fixed": "9"}], ecosystem="npm")


@pytest.fixture
def site_packages(tmp_path: Path) -> Path:
    site = tmp_path / "site-packages"
    write_distribution(site, "rasa", "3.6.21", RASA_REQUIRES)
    for name, version in [
        ("aiohttp", "3.9.1"),
        ("matplotlib", "3.7.5"),
        ("numpy", "1.23.5"),
        ("spacy", "3.4.4"),
        ("transformers", "4.46.3"),
        ("ourlib", "1.0"),
    ]:
        write_distribution(site, name, version)
    return site


@pytest.fixture
def requirements(tmp_path: Path) -> Path:
    directory = tmp_path / "requirements"
    directory.mkdir()
    for name, text in PINS.items():
        (directory / name).write_text(text)
    return directory


def allowlist(tmp_path: Path, *entries: tuple[str, str]) -> Path:
    path = tmp_path / "allowlist.yml"
    lines = [f"- {{id: {i}, package: {p}, reason: blocked by Rasa's pin}}" for i, p in entries]
    path.write_text("\n".join(lines) or "[]")
    return path


def audit(tmp_path: Path, site: Path, pins: Path, advisories: list, *allowed) -> int:
    snapshot = write_snapshot(tmp_path / "advisories", "2024-10-10", advisories).parent
    return run(snapshot, allowlist(tmp_path, *allowed), pins, [str(site)])


def test_rasa_requirements_count_as_resolved_for_python_310(site_packages: Path) -> None:
    environment = read_environment([str(site_packages)])
    assert [str(b) for b in environment.blockers("aiohttp", "3.10.2")] == [
        "rasa 3.6.21 requires <3.10,>=3.9.0"
    ]
    # Only true under Python 3.10 markers, as rasa-py311.txt was resolved.
    assert environment.blockers("numpy", "1.25.0")
    assert environment.blockers("spacy", "3.5.0")  # the spacy extra is part of the route
    assert "transformers" not in environment.constraints  # other extras are not
    # Already departed from knowingly (no Python 3.11 wheels below 3.6): not held against fixes.
    assert environment.blockers("matplotlib", "3.8.0") == []
    assert first_fitting(environment, "aiohttp", ["3.9.2", "3.10.2"]) == "3.9.2"
    assert first_fitting(environment, "aiohttp", ["3.10.2"]) is None


def test_every_finding_fails_without_an_allowlist(
    tmp_path: Path, site_packages: Path, requirements: Path, capsys: pytest.CaptureFixture
) -> None:
    advisories = [FIXABLE, BLOCKED, NO_FIX, OURS, WITHDRAWN, NPM]
    assert audit(tmp_path, site_packages, requirements, advisories) == 1
    out = capsys.readouterr().out
    print(out)
    assert "PyPA advisory database of 2024-10-10" in out
    assert "findings: 4 (4 failing)" in out
    assert "FAIL PYSEC-FIXABLE (no aliases): aiohttp 3.9.1 (pinned in rasa-py311.txt)" in out
    assert "fix fits the pins: yes, 3.9.2 (bump requirements/lock.txt)" in out
    assert "FAIL PYSEC-BLOCKED (CVE-1): aiohttp 3.9.1" in out
    assert "fix fits the pins: no: rasa 3.6.21 requires <3.10,>=3.9.0 (for 3.10.2)" in out
    assert "FAIL PYSEC-NOFIX (no aliases): numpy 1.23.5" in out
    assert "fix fits the pins: no: no fixed release is published" in out
    assert "FAIL PYSEC-OURS (no aliases): ourlib 1.0 (pinned in project.in)" in out
    assert "skipped PYSEC-GONE: spacy 3.4.4 matches, but the advisory was withdrawn" in out
    assert "GHSA-NPM" not in out
    assert out.rstrip().endswith("audit: FAIL")


def test_allowlist_excuses_only_findings_the_pins_block(
    tmp_path: Path, site_packages: Path, requirements: Path, capsys: pytest.CaptureFixture
) -> None:
    advisories = [BLOCKED, NO_FIX, FIXABLE]
    excused = [("PYSEC-BLOCKED", "aiohttp"), ("PYSEC-NOFIX", "numpy")]
    assert audit(tmp_path, site_packages, requirements, advisories[:2], *excused) == 0
    out = capsys.readouterr().out
    assert "ALLOWED PYSEC-BLOCKED" in out and "ALLOWED PYSEC-NOFIX" in out
    assert "allowlisted: blocked by Rasa's pin" in out
    assert out.rstrip().endswith("audit: PASS")
    # A fix that fits the pins must be applied, allowlisted or not.
    fixable = [*excused, ("PYSEC-FIXABLE", "aiohttp")]
    assert audit(tmp_path, site_packages, requirements, advisories, *fixable) == 1
    assert "FAIL PYSEC-FIXABLE" in capsys.readouterr().out


def test_stale_allowlist_entry_fails(
    tmp_path: Path, site_packages: Path, requirements: Path, capsys: pytest.CaptureFixture
) -> None:
    assert audit(tmp_path, site_packages, requirements, [], ("PYSEC-OLD", "Aiohttp")) == 1
    assert "FAIL stale allowlist entry PYSEC-OLD (aiohttp): not found" in capsys.readouterr().out


def test_allowlist_entries_need_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "allowlist.yml"
    path.write_text("- {id: PYSEC-1, package: aiohttp, reason: ''}\n")
    with pytest.raises(ValueError, match="entry 1 needs a non-empty id, package and reason"):
        load_allowlist(path)


def test_real_snapshot_against_the_real_venv_passes(tmp_path: Path) -> None:
    """What `make audit` runs; the checked-in allowlist must be exactly what the venv needs."""
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "audit"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(completed.stdout, completed.stderr)
    assert completed.returncode == 0
    assert "PyPA advisory database of 2024-10-10" in completed.stdout
    installed = completed.stdout.split("installed: ", 1)[1].split(" distributions", 1)[0]
    assert int(installed) > 150  # the whole venv, not an empty path
    excused = load_allowlist(PROJECT_ROOT / "requirements" / "audit-allowlist.yml")
    if not excused:
        return  # the allowlist is already empty: that was the emptied run, and it passed
    emptied = tmp_path / "empty.yml"
    emptied.write_text("[]\n")
    code = run(load_settings().audit_advisories_dir, emptied, PROJECT_ROOT / "requirements")
    assert code == 1, "an allowlist entry excuses nothing"


def test_real_snapshot_fails_an_aiohttp_it_knows_to_be_vulnerable(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Real advisories, the real Rasa metadata, and aiohttp 3.9.1 (PYSEC-2024-24/26)."""
    site = tmp_path / "site-packages"
    rasa = next(Path(p) / "rasa-3.6.21.dist-info" for p in venv_site_packages())
    shutil.copytree(rasa, site / rasa.name)
    write_distribution(site, "aiohttp", "3.9.1")
    empty = allowlist(tmp_path)
    code = run(
        load_settings().audit_advisories_dir, empty, PROJECT_ROOT / "requirements", [str(site)]
    )
    out = capsys.readouterr().out
    print(out)
    assert code == 1
    assert "FAIL PYSEC-2024-26 (CVE-2024-23829, GHSA-8qpw-xqxj-h4r2): aiohttp 3.9.1" in out
    assert "fix fits the pins: yes, 3.9.2 (bump requirements/lock.txt)" in out
