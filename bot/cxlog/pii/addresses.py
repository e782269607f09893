"""Postal addresses: the street line, and the city, region and postcode that follow it.

A street line is a house number and a street type ("221B Baker Street", "12 rue de Rivoli",
"Hauptstraße 5", "Via Roma 10", "PO Box 12"). From its end, the span grows over what an
address continues with: postcodes of the common formats, capitalised words (city, county),
region codes, and after a comma any word that is not a function word ("…, springfield, il
62704"). It stops at a sentence end or a word like "please" or "and".

Postcodes are also found alone when their shape cannot be an order number: UK and Canadian
postcodes, and a US ZIP after a state code ("CA 94105") or after the word "zip"/"postcode".
A five-digit number alone stays: it is as likely to be order 10001 as a ZIP.
"""

from __future__ import annotations

import re

from bot.cxlog.pii import Span

STREET_TYPES = (
    "street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|"
    "terrace|close|crescent|square|sq|parkway|pkwy|highway|hwy|circle|cir|row|gardens|grove|"
    "walk|mews|alley|trail|plaza|hill|park|green|parade|esplanade|quay|broadway|view|rise"
)
# Words that never stand between a house number and a street type ("2 days on the way").
STREET_STOPWORDS_TEXT = (
    "a an the my your our on in at of to for from is are was be and or but with by it this "
    "that i you he she we they me order orders item items days weeks hours minutes"
)
STREET_STOPWORDS = frozenset(STREET_STOPWORDS_TEXT.split())
ENGLISH_STREET_RE = re.compile(
    rf"\b\d{{1,5}}[a-z]?(?:[-/]\d{{1,4}})?,?\s+((?:[^\W\d_][\w'.-]*\s+){{1,3}})"
    rf"(?:{STREET_TYPES})\b\.?"
    r"(?:,?\s+(?:apt|apartment|unit|suite|flat|floor|fl)\.?\s*#?\w{1,5})?",
    re.IGNORECASE,
)
# German, Dutch, Scandinavian: the type is the end of the street's name, the number follows.
SUFFIX_STREET_RE = re.compile(
    r"\b[^\W\d_][\w-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|ufer|ring|"
    r"straat|laan|gracht|plein|kade|steeg|gatan|gata|vej|veien)"
    r"\s+\d{1,4}\s?[a-z]?\b",
    re.IGNORECASE,
)
# French, Spanish, Italian, Portuguese: number before or after "rue de …", "Calle …", "Via …".
PREFIX_STREET_RE = re.compile(
    r"\b(?:\d{1,4}(?:\s?(?:bis|ter))?,?\s+)?"
    r"(?:rue|avenue|boulevard|bd|chemin|place|allée|impasse|quai|route|calle|avenida|paseo|"
    r"plaza|carrer|via|viale|piazza|corso|largo|rua|travessa)\s+"
    r"(?:(?:de|del|della|di|du|des|la|le|los|las|da|do|dos|l'|d')\s*)*"
    r"[^\W\d_][\w'-]*(?:\s+[A-Z][\w'-]*)?(?:,?\s+(?:n[º°o]\.?\s*)?\d{1,4}[a-z]?\b)?",
    re.IGNORECASE,
)
PO_BOX_RE = re.compile(r"\bP\.?\s?O\.?\s*Box\s+\d{1,6}\b", re.IGNORECASE)

UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"
CA_POSTCODE = r"[A-Z]\d[A-Z]\s?\d[A-Z]\d"
# Postcodes that only count next to a street line: US ZIP(+4), 4–5 digit European and
# Australian codes, Dutch "1234 AB", Polish/Portuguese "00-950" / "1000-001".
POSTCODE_AFTER_STREET_RE = re.compile(
    rf"(?:{UK_POSTCODE}|{CA_POSTCODE}|\d{{4}}\s?[A-Z]{{2}}|\d{{5}}(?:-\d{{4}})?|\d{{4}}(?:-\d{{3}})?|"
    r"\d{2}-\d{3})(?!\w)",
    re.IGNORECASE,
)
STANDALONE_POSTCODE_RE = re.compile(
    rf"\b(?:{UK_POSTCODE}|{CA_POSTCODE})\b"
    r"|\b(?:zip|zip code|zipcode|postcode|post code|postal code|plz)\W{0,3}"
    r"\d{4,5}(?:-\d{3,4})?\b"
    r"|\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|"
    r"RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY])\s+\d{5}(?:-\d{4})?\b",
    re.IGNORECASE,
)
# A state code alone is only trusted in capitals ("in 10001" is not Indiana).
US_STATE_ZIP_LOWER_RE = re.compile(r"\b(?:in|or|me|oh|ok|hi|pa|ma|de|la|al|co|id|wa)\s+\d{5}\b")
SEPARATOR_RE = re.compile(r"[ \t]*(?:,|\n)?[ \t]*")
WORD_RE = re.compile(r"[^\W\d_][\w'.-]*")
# Where an address ends and the message goes on.
STOPWORDS_TEXT = """
    please pls plz thanks thank thx cheers asap and or but so because as if when then also
    is are was were be been will would can could should shall may might must do does did
    has have had i im i'm you he she we they it its it's my your our their me us them this
    that these those there here what which who how why where the a an to for from of on in at
    by with about into over under instead not no yes ok okay order orders item parcel package
    delivery deliver ship shipping send sent address new old thanks. today tomorrow yesterday
    now soon before after until"""
STOPWORDS = frozenset(STOPWORDS_TEXT.split())
MAX_TAIL_TOKENS = 7
LOOKAHEAD_TOKENS = 3


def find_addresses(text: str) -> list[Span]:
    spans = []
    for pattern in (ENGLISH_STREET_RE, SUFFIX_STREET_RE, PREFIX_STREET_RE, PO_BOX_RE):
        for match in pattern.finditer(text):
            if pattern is ENGLISH_STREET_RE and _has_stopword(match.group(1)):
                continue
            spans.append((match.start(), _tail_end(text, match.end())))
    for match in STANDALONE_POSTCODE_RE.finditer(text):
        if not US_STATE_ZIP_LOWER_RE.fullmatch(match.group()):
            spans.append(match.span())
    return spans


def _has_stopword(words: str) -> bool:
    return any(word.strip(".,").lower() in STREET_STOPWORDS for word in words.split())


def _tail_end(text: str, end: int) -> int:
    """Where the address that has a street line ending at ``end`` ends."""
    after_comma = False
    for _ in range(MAX_TAIL_TOKENS):
        separator = SEPARATOR_RE.match(text, end)
        start = separator.end()
        if start == end:
            break
        after_comma = after_comma or "," in separator.group()
        if postcode := POSTCODE_AFTER_STREET_RE.match(text, start):
            end = postcode.end()
            continue
        word = WORD_RE.match(text, start)
        if word is None or word.group().lower().rstrip(".") in STOPWORDS:
            break
        if not (word.group()[0].isupper() or after_comma or _postcode_ahead(text, word.end())):
            break
        end = word.end()
    return end


def _postcode_ahead(text: str, position: int) -> bool:
    """Whether a postcode follows within a few words ("12 oak road leeds ls1 4ap")."""
    for _ in range(LOOKAHEAD_TOKENS):
        position = SEPARATOR_RE.match(text, position).end()
        if POSTCODE_AFTER_STREET_RE.match(text, position):
            return True
        word = WORD_RE.match(text, position)
        if word is None or word.group().lower() in STOPWORDS:
            return False
        position = word.end()
    return False
