"""Settings are declared once (bot/envvars.py): the README's configuration table must name every
declared variable with the same default, and name nothing that no service reads; defaults the
dataclasses give and defaults ``load`` gives are the same (issue 19: they had drifted apart)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from actions.settings import ActionSettings
from actions.settings import load_settings as load_action_settings
from bot.envvars import EnvVar, declared
from bot.settings import PROJECT_ROOT, Settings, load_settings

# Read by Rasa from endpoints.yml, not by our code.
READ_BY_RASA = {"ACTION_SERVER_URL"}


def _readme_table() -> dict[str, str]:
    """variable -> its default as the README's configuration table writes it."""
    section = (PROJECT_ROOT / "README.md").read_text().split("## Configuration", 1)[1]
    section = section.split("\n## ", 1)[0]
    documented: dict[str, str] = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        names_cell, default_cell = (cell.strip() for cell in line.strip("|").split("|")[:2])
        names = re.findall(r"`([A-Z][A-Z0-9_]*)`", names_cell)
        values = re.findall(r"`([^`]*)`", default_cell)
        if len(values) != len(names):  # prose, e.g. "the review app's own (`…`, `…`)"
            values = [default_cell] * len(names)
        documented.update(zip(names, values, strict=True))
    return documented


def _declared() -> dict[str, EnvVar]:
    found: dict[str, EnvVar] = {}
    for var in declared(Settings) + declared(ActionSettings):
        known = found.setdefault(var.name, var)
        assert known.shown == var.shown, f"{var.name} has two defaults: {known.shown}, {var.shown}"
    return found


def test_every_declared_variable_is_in_the_readme_with_its_default() -> None:
    documented = _readme_table()
    for name, var in _declared().items():
        assert name in documented, f"{name} is read but not in the README's configuration table"
        assert documented[name].startswith(var.shown), (name, documented[name], var.shown)


def test_the_readme_documents_no_variable_nobody_reads() -> None:
    unknown = set(_readme_table()) - set(_declared()) - READ_BY_RASA
    assert not unknown


@pytest.mark.parametrize(
    ("cls", "loader"), [(Settings, load_settings), (ActionSettings, load_action_settings)]
)
def test_loading_an_empty_environment_gives_the_dataclass_defaults(cls, loader) -> None:
    assert dataclasses.asdict(loader({})) == dataclasses.asdict(cls())


def test_derived_defaults_follow_the_variables_they_come_from() -> None:
    settings = load_settings({"BOT_HOST": "10.0.0.5", "RASA_PORT": "6005", "REVIEW_PORT": "9000"})
    assert settings.rasa_api_url == "http://10.0.0.5:6005"
    assert settings.widget_allowed_origins[0] == "http://10.0.0.5:9000"
    actions = load_action_settings({"BOT_HOST": "10.0.0.5", "BACKEND_PORT": "9001"})
    assert actions.backend_url == "http://10.0.0.5:9001/api/v1"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"RASA_PORT": "five"}, "RASA_PORT"),
        ({"CX_REDACT_PII": "maybe"}, "CX_REDACT_PII"),
        ({"CX_REDACT_KINDS": "email,dna"}, "CX_REDACT_KINDS"),
        ({"NLU_GATE_MARGIN": "nan"}, "NLU_GATE_MARGIN"),
        ({"CX_PHONE_REGIONS": "GBR"}, "CX_PHONE_REGIONS"),
    ],
)
def test_a_malformed_value_names_its_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        load_settings(environ)


def test_an_empty_tracker_url_means_leave_the_tracker_store_alone() -> None:
    assert load_settings({"RASA_TRACKER_DATABASE_URL": ""}).rasa_tracker_database_url == ""
    assert load_settings({"CX_REDACT_PII": "off"}).redacted_kinds == frozenset()
