"""Add or remove a learned intent in domain.yml as text edits, so a reviewer's diff shows only it.

A YAML round trip (ruamel) re-emits the whole file: anchors, quotes and line breaks of the
hand-written domain came back changed, and the first export rewrote 1,100 lines. Here the intent
becomes one ``  - <intent>`` line at the end of ``intents:`` and its answer one
``  utter_<intent>:`` entry at the end of ``responses:``; every other line stays byte for byte.
``remove_intent`` takes exactly those lines out again (rolling a learned intent back).
"""

from __future__ import annotations

import json
import re

TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][\w-]*:")


def _block(lines: list[str], key: str) -> tuple[int, int] | None:
    """(first line after ``key:``, index after its last non-blank line) of a top-level block."""
    start = next((n for n, line in enumerate(lines) if line.rstrip() == f"{key}:"), None)
    if start is None:
        return None
    end = next(
        (n for n in range(start + 1, len(lines)) if TOP_LEVEL_KEY.match(lines[n])), len(lines)
    )
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return start + 1, end


def _indent(lines: list[str], block: tuple[int, int], default: str) -> str:
    for line in lines[block[0] : block[1]]:
        if line.strip() and not line.lstrip().startswith("#"):
            return line[: len(line) - len(line.lstrip())]
    return default


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def add_intent(domain: str, intent: str, answer: str) -> str:
    """``domain`` with ``intent`` listed and ``utter_<intent>`` answering ``answer``."""
    lines = domain.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    intents = _block(lines, "intents")
    if intents is None:
        raise ValueError("domain.yml has no top-level `intents:` list")
    responses = _block(lines, "responses")
    if responses is None:
        lines += ["\n", "responses:\n"]
        responses = (len(lines), len(lines))
    indent = _indent(lines, responses, "  ")
    response = [f"{indent}utter_{intent}:\n", f"{indent}  - text: {_quoted(answer)}\n"]
    intent_line = [f"{_indent(lines, intents, '  ')}- {intent}\n"]
    # Insert the later block first so the earlier block's line numbers stay valid.
    edits = sorted([(intents[1], intent_line), (responses[1], response)], reverse=True)
    for at, new in edits:
        lines[at:at] = new
    return "".join(lines)


def remove_intent(domain: str, intent: str) -> str:
    """``domain`` without the lines :func:`add_intent` wrote for ``intent``."""
    lines = domain.splitlines(keepends=True)
    kept: list[str] = []
    skipping_response, response_indent = False, 0
    section = ""
    for line in lines:
        if TOP_LEVEL_KEY.match(line):
            section, skipping_response = line.split(":", 1)[0], False
        stripped = line.strip()
        if skipping_response:
            indent = len(line) - len(line.lstrip())
            # its entries: deeper lines, or a list at the key's own indentation (valid YAML)
            if stripped and (
                indent > response_indent or (indent == response_indent and stripped[0] == "-")
            ):
                continue
            skipping_response = False
        if section == "intents" and stripped == f"- {intent}":
            continue
        if section == "responses" and stripped == f"utter_{intent}:":
            skipping_response, response_indent = True, len(line) - len(line.lstrip())
            continue
        kept.append(line)
    return "".join(kept)
