"""Is a message the assistant could not use written in another language?

The assistant speaks English only. When NLU gives up on a message, telling a German or Spanish
speaker "that's not something I can help with" is wrong: they should hear which language we
speak and get a person. ``langdetect`` (Google's language-detection profiles) decides; short
messages are guessed unreliably, so a message counts as foreign only when the detector is sure
and English is not among its candidates.
"""

from __future__ import annotations

from langdetect import DetectorFactory, LangDetectException, detect_langs

DetectorFactory.seed = 0  # the detector samples; a fixed seed makes its answer repeatable

# The detector must give English at most this probability.
MAX_ENGLISH = 0.1
# Evidence needed: a few letters when any is
# accented or in another script, else a few different
# words (chat shorthand such as "r u a robot" or "blah blah" fools the detector).
MIN_LETTERS_NON_ASCII = 4
MIN_DISTINCT_WORDS = 3
# English words no other common language spells the same; one of them settles it (the detector
# reads "tell me a joke" as Italian).
ENGLISH_WORDS = frozenset(
    {
        "the",
        "you",
        "your",
        "my",
        "what",
        "where",
        "when",
        "how",
        "why",
        "can",
        "could",
        "would",
        "want",
        "with",
        "this",
        "that",
        "please",
        "tell",
        "sell",
        "buy",
        "get",
        "have",
        "has",
        "does",
        "did",
        "not",
        "order",
        "thanks",
    }
)


# Everyday words of the languages customers most often write in instead; unaccented text needs
# one of them, so keyboard mashing ("blorp zzzk qwerty") is not taken for a language.
FOREIGN_WORDS = frozenset(
    {
        "avec",
        "bitte",
        "con",
        "das",
        "der",
        "die",
        "donde",
        "dove",
        "dónde",
        "een",
        "ein",
        "eine",
        "el",
        "est",
        "gdzie",
        "habla",
        "hallo",
        "het",
        "ho",
        "ich",
        "il",
        "is",
        "ist",
        "je",
        "jest",
        "kann",
        "la",
        "las",
        "le",
        "les",
        "los",
        "ma",
        "mein",
        "meine",
        "mi",
        "mijn",
        "minha",
        "mio",
        "moja",
        "mon",
        "necesito",
        "nerede",
        "nicht",
        "nie",
        "niet",
        "non",
        "não",
        "onde",
        "ou",
        "où",
        "parla",
        "parlez",
        "pas",
        "por",
        "que",
        "quiero",
        "sprechen",
        "spreekt",
        "und",
        "une",
        "waar",
        "wo",
    }
)


def _enough_evidence(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    if any(not char.isascii() for char in letters):
        return len(letters) >= MIN_LETTERS_NON_ASCII
    words = {word.strip("?,.!'") for word in text.lower().split()}
    return len(words) >= MIN_DISTINCT_WORDS and bool(words & FOREIGN_WORDS)


def is_foreign(text: str) -> bool:
    """``True`` when ``text`` is confidently in a language other than English."""
    if not _enough_evidence(text) or ENGLISH_WORDS & set(text.lower().split()):
        return False
    try:
        guesses = detect_langs(text)
    except LangDetectException:
        return False
    english = sum(guess.prob for guess in guesses if guess.lang == "en")
    return english <= MAX_ENGLISH
