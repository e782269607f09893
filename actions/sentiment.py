"""How the customer feels, read from one message: angry, frustrated, distressed or neither.

A small lexicon with intensity rules (shouting, repeated "!!", "again", "third time"): cheap,
explainable, and measured on tests/data/sentiment.yml (tests/unit/test_sentiment.py). The first
reply to an emotional message starts with an acknowledgement (``utter_empathy_<feeling>``).
"""

from __future__ import annotations

import re

ANGRY = (
    r"furious", r"livid", r"outrag\w*", r"angry", r"pissed", r"disgust\w*", r"disgrac\w*",
    r"appalling", r"unacceptable", r"ridiculous", r"a joke", r"rubbish", r"useless",
    r"worst", r"pathetic", r"scam\w*", r"rip[- ]?off", r"never again", r"sick (and tired )?of",
    r"had enough", r"how dare", r"wtf", r"ffs", r"f+u+c+k\w*", r"bloody", r"damn", r"crap",
    r"shocking", r"incompetent", r"absolute(ly)? (joke|nightmare|disgrace)",
    r"fed up", r"shame on you", r"treat(ing|ed)? (your )?customers like",
)  # fmt: skip
FRUSTRATED = (
    r"frustrat\w*", r"annoy\w*", r"(second|third|fourth|fifth|\d+(st|nd|rd|th)) time",
    r"yet again", r"once again", r"again\b.*\?!",
    r"still (haven'?t|hasn'?t|not|no|nothing|waiting)",
    r"keeps? (happening|failing|breaking)", r"every (single )?time", r"ages", r"for weeks",
    r"no ?one (replies|answers|helps|gets back)", r"nobody (replies|answers|helps|gets back)",
    r"disappoint\w*", r"unhappy", r"not happy", r"seriously\??", r"come on", r"\bugh+\b",
    r"sigh", r"fed up", r"tired of", r"waste of (my )?time", r"wasted", r"can'?t believe",
    r"unbelievable", r"not good enough", r"over and over", r"what is going on", r"really\?+",
)  # fmt: skip
DISTRESSED = (
    r"worried", r"worrying", r"anxious", r"stress\w*", r"desperate\w*", r"urgent\w*",
    r"panic\w*", r"upset", r"devastat\w*", r"heartbroken", r"crying", r"in tears", r"scared",
    r"can'?t afford", r"really need", r"need (it|this) (for|by)", r"birthday", r"wedding",
    r"funeral", r"please help", r"help me please", r"ruined", r"nightmare", r"terrified",
    r"distraught", r"at my wits'? end",
)  # fmt: skip
FEELINGS = {
    "angry": re.compile(r"\b(" + "|".join(ANGRY) + r")", re.IGNORECASE),
    "frustrated": re.compile(r"\b(" + "|".join(FRUSTRATED) + r")", re.IGNORECASE),
    "distressed": re.compile(r"\b(" + "|".join(DISTRESSED) + r")", re.IGNORECASE),
}
SHOUTED_WORD = re.compile(r"\b[A-Z]{3,}\b")
# Words customers type in capitals without shouting.
NOT_SHOUTING = {"UPS", "RMA", "USA", "DHL", "USPS", "FAQ", "ASAP", "SKU", "EUR", "USD", "GBP"}
REPEATED_MARKS = re.compile(r"[!?]{3,}|!{2,}")
# Shouting plus marks count as anger only with at least this many signals.
INTENSITY_FOR_ANGER = 2


def feeling(text: str) -> str | None:
    """``angry``, ``frustrated``, ``distressed`` or ``None`` for a calm message."""
    if not text or text.startswith("/"):
        return None
    hits = {name: len(pattern.findall(text)) for name, pattern in FEELINGS.items()}
    shouted = [w for w in SHOUTED_WORD.findall(text) if w not in NOT_SHOUTING]
    intensity = (len(shouted) >= 2) + bool(REPEATED_MARKS.search(text))
    if hits["angry"] or (intensity >= INTENSITY_FOR_ANGER):
        return "angry"
    if hits["distressed"] and hits["distressed"] >= hits["frustrated"]:
        return "distressed"
    if hits["frustrated"] or intensity:
        return "frustrated"
    return None
