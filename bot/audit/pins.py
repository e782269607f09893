"""Which fixed releases Rasa 3.6.21's pins leave us free to move to.

The rule (README, "Dependency audit"): ``requirements/rasa-py311.txt`` is the verified resolution
of Rasa 3.6.21 on Python 3.11, not Rasa's contract. A fix *fits the pins* when the fixed release
satisfies the declared requirements (``Requires-Dist``) of every installed distribution on that
package: Rasa's own evaluated as its pins were resolved (Python 3.10 markers, ``spacy`` extra),
everyone else's for this interpreter. A declared requirement the verified install already
departs from (Rasa wants matplotlib<3.6, which has no Python 3.11 wheels) was overridden
knowingly and is not held against a fix. A fix that fits is applied by bumping the pin in
``requirements/lock.txt``; one that does not is "blocked by the pins" and may be allowlisted.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# Rasa and its SDK declare Python <3.11 and were resolved for 3.10 (rasa-on-python311.md).
RESOLVED_AS_PY310 = frozenset({"rasa", "rasa-sdk"})
PY310_MARKERS = {"python_version": "3.10", "python_full_version": "3.10.13", "extra": "spacy"}
PIN_FILES = ("project.in", "dev.in", "rasa-py311.txt", "lock.txt")


@dataclass(frozen=True)
class Constraint:
    """``requirer`` (at ``version``) declares ``specifier`` on some package."""

    requirer: str
    version: str
    specifier: SpecifierSet

    def __str__(self) -> str:
        return f"{self.requirer} {self.version} requires {self.specifier}"


@dataclass
class Environment:
    """Installed distributions (canonical name → version) and what each declares on the others."""

    versions: dict[str, str] = field(default_factory=dict)
    constraints: dict[str, list[Constraint]] = field(default_factory=dict)

    def blockers(self, package: str, candidate: str) -> list[Constraint]:
        """Declared requirements that refuse ``candidate``, except those already overridden."""
        installed, wanted = Version(self.versions[package]), Version(candidate)
        return [
            constraint
            for constraint in self.constraints.get(package, ())
            if constraint.specifier.contains(installed, prereleases=True)
            and not constraint.specifier.contains(wanted, prereleases=True)
        ]


def _markers(requirer: str) -> dict[str, str]:
    return PY310_MARKERS if requirer in RESOLVED_AS_PY310 else {"extra": ""}


def read_environment(site_packages: Sequence[str]) -> Environment:
    environment = Environment()
    for dist in importlib.metadata.distributions(path=list(site_packages)):
        name = canonicalize_name(dist.metadata["Name"])
        if name in environment.versions:  # the first on the path is the one imported
            continue
        environment.versions[name] = dist.version
        for line in dist.requires or ():
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if requirement.marker and not requirement.marker.evaluate(_markers(name)):
                continue
            if requirement.specifier:
                target = canonicalize_name(requirement.name)
                constraint = Constraint(name, dist.version, requirement.specifier)
                environment.constraints.setdefault(target, []).append(constraint)
    return environment


def first_fitting(environment: Environment, package: str, fixes: Iterable[str]) -> str | None:
    """The lowest fixed release no installed distribution's requirements refuse."""
    for fix in fixes:
        try:
            if not environment.blockers(package, fix):
                return fix
        except InvalidVersion:
            continue
    return None


def pin_sources(requirements_dir: Path) -> dict[str, str]:
    """Canonical name → the first requirements file naming it (ours before Rasa's)."""
    sources: dict[str, str] = {}
    for file_name in PIN_FILES:
        for line in (requirements_dir / file_name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                sources.setdefault(canonicalize_name(Requirement(line).name), file_name)
    return sources
