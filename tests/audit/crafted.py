"""Crafted environments and advisory snapshots for the audit: real files, read as the audit
reads the real ones (importlib.metadata over a site-packages directory, OSV YAML in a tarball)."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml


def write_distribution(
    site_packages: Path, name: str, version: str, requires: Sequence[str] = ()
) -> None:
    """A ``<name>-<version>.dist-info`` as pip leaves it, reduced to what the audit reads."""
    dist_info = site_packages / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    (dist_info / "METADATA").write_text("\n".join(lines) + "\n")


def write_snapshot(directory: Path, date: str, advisories: Sequence[dict[str, Any]]) -> Path:
    """A ``pypa-advisory-database-<date>.tar.gz`` with ``vulns/<package>/<id>.yaml`` files."""
    directory.mkdir(parents=True, exist_ok=True)
    archive = directory / f"pypa-advisory-database-{date}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for record in advisories:
            package = record["affected"][0]["package"]["name"]
            data = yaml.safe_dump(record).encode()
            member = tarfile.TarInfo(f"./vulns/{package}/{record['id']}.yaml")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return archive


def advisory(
    advisory_id: str,
    package: str,
    events: Sequence[dict[str, str]] = (),
    versions: Sequence[str] = (),
    ecosystem: str = "PyPI",
    **extra: Any,
) -> dict[str, Any]:
    """One OSV record with one affected package and (optionally) one ECOSYSTEM range."""
    affected: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": package}}
    if events:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": list(events)}]
    if versions:
        affected["versions"] = list(versions)
    return {"id": advisory_id, "modified": "2024-01-02T03:04:05Z", "affected": [affected], **extra}
