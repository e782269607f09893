"""Detectors of personal data in free text, one module per kind.

Each ``find_*`` function returns the ``(start, end)`` character spans of what it found in the
text it was given; :mod:`bot.cxlog.redaction` merges the spans of every kind and replaces them.
Working on spans of the original text (rather than rewriting it kind by kind) is what lets an
entity whose offsets overlap a redacted span be redacted too.
"""

Span = tuple[int, int]
