"""Recall per kind of personal data and false redactions of look-alikes, on the seeded corpus.

Writes the table to ``bench/results/pii_redaction.json`` and prints it (also without ``-s``:
a failing assertion shows it in its message). BENCHMARKS.md quotes it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.cxlog.redaction import Redactor
from tests.cxlog.synthetic_pii import LOOKALIKE_KINDS, PII_KINDS, Case, generate

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "pii_redaction.json"
MIN_RECALL = 0.99
MAX_FALSE_POSITIVE_RATE = 0.01
MIN_CASES_PER_KIND = 1000


def leaked(case: Case, redacted: str) -> list[str]:
    """The fragments of the case's personal data still in the redacted text."""
    return [
        secret
        for secret in case.secrets
        if len(secret) >= 3
        and re.search(rf"(?<!\w){re.escape(secret)}(?!\w)", redacted, re.IGNORECASE)
    ]


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, float]]:
    redactor = Redactor()
    corpus = generate()
    rows: dict[str, dict[str, float]] = {}
    for kind in (*PII_KINDS, *LOOKALIKE_KINDS):
        cases = [case for case in corpus if case.kind == kind]
        outcomes = [(case, redactor.redact(case.text)) for case in cases]
        if kind in PII_KINDS:
            missed = [(case.text, out) for case, out in outcomes if leaked(case, out)]
            rows[kind] = {"n": len(cases), "recall": 1 - len(missed) / len(cases)}
        else:
            missed = [(case.text, out) for case, out in outcomes if out != case.text]
            rows[kind] = {"n": len(cases), "false_positive_rate": len(missed) / len(cases)}
        rows[kind]["examples"] = missed[:5]  # type: ignore[assignment]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        kind: {k: v for k, v in row.items() if k != "examples"} for kind, row in rows.items()
    }
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print("\n" + render(rows))
    return rows


def render(rows: dict[str, dict[str, float]]) -> str:
    lines = ["kind      n      recall   false-positive rate"]
    for kind, row in rows.items():
        recall = f"{row['recall']:.2%}" if "recall" in row else "-"
        false_positives = (
            f"{row['false_positive_rate']:.2%}" if "false_positive_rate" in row else "-"
        )
        lines.append(f"{kind:<9} {int(row['n']):<6} {recall:<8} {false_positives}")
    return "\n".join(lines)


@pytest.mark.parametrize("kind", PII_KINDS)
def test_recall_per_kind(table: dict[str, dict[str, float]], kind: str) -> None:
    row = table[kind]
    assert row["n"] >= MIN_CASES_PER_KIND
    assert row["recall"] >= MIN_RECALL, f"{kind} leaks: {row['examples']}\n{render(table)}"


@pytest.mark.parametrize("kind", LOOKALIKE_KINDS)
def test_lookalikes_are_kept(table: dict[str, dict[str, float]], kind: str) -> None:
    row = table[kind]
    assert row["n"] >= MIN_CASES_PER_KIND
    assert row["false_positive_rate"] <= MAX_FALSE_POSITIVE_RATE, (
        f"{kind} redacted: {row['examples']}\n{render(table)}"
    )


def test_corpus_is_deterministic() -> None:
    assert generate(per_kind=50) == generate(per_kind=50)
