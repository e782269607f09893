"""Names customers give in free text: "my name is …", "I'm …", "this is … from …", sign-offs.

"My name is", "name's", "call me" and "I go by" are always followed by a name. "I'm", "I am",
"this is" and a closing "thanks, …" usually are not ("I'm angry", "this is taking ages"), so
after them a word counts only if it is not a common English word (:data:`COMMON_WORDS`) and,
when typed in lower case, does not end like an adjective, adverb or verb form. The name runs
over up to four words ("Jan van der Berg") and stops at a common word ("Anna from Leeds").
Names found here are also learnt for the rest of the conversation (see ``events.NameBook``).
"""

from __future__ import annotations

import re

from bot.cxlog.pii import Span

NAME_WORD = r"[^\W\d_][\w'’-]*"
STRONG_RE = re.compile(
    r"\b(?:my\s+name\s+is|my\s+names|my\s+name['’]s|name['’]s|name\s+is|call\s+me|i\s+go\s+by|"
    r"my\s+first\s+name\s+is|my\s+surname\s+is|my\s+last\s+name\s+is)\s*[:,-]?\s+",
    re.IGNORECASE,
)
WEAK_RE = re.compile(
    r"(?:\b(?:i\s+am|i['’]m|im|this\s+is|it['’]s)\s+|"
    r"\b(?:regards|cheers|thanks|thx|ty|tia|thank\s+you|best|sincerely|yours|ta)\s*,\s*)",
    re.IGNORECASE,
)
WORD_RE = re.compile(NAME_WORD)
GAP_RE = re.compile(r"[ \t]+")
MAX_NAME_WORDS = 4
# Endings of lower-case words that are not names: "waiting", "careful", "furious", "frustrated".
NOT_NAME_ENDINGS = re.compile(
    r"(?:.{3}ing|.{2}ful|.{3}ous|.{3}ive|.{2}able|.{2}ible|.{2}less|.{2}ied|.{3}[stn]ed)$"
)

COMMON_WORDS_TEXT = """
    a an the and or but so if then than that this these those there here not no yes ok okay
    just still also only very really so too quite pretty rather bit little lot lots kind sort
    about from for with without of to in on at by as into onto after before since until while
    i me my mine you your we our us they them their he him his she her it its is am are was
    were be been being do does did done doing have has had having will would can could shall
    should may might must gonna wanna gotta trying try looking look waiting wait calling call
    writing write asking ask wondering going go getting get having need needing want wanting
    hoping hope afraid sorry sure happy unhappy sad mad angry upset annoyed furious livid cross
    frustrated disappointed confused worried concerned tired fed sick fine good great well bad
    ok glad pleased thrilled satisfied dissatisfied unsatisfied interested ready done back home
    away out off over up down new old late early here there now today tomorrow still again
    already almost nearly about around trying unable able available busy free stuck lost
    locked unsure certain positive serious curious desperate fuming shocked surprised amazed
    appalled disgusted outraged impatient patient hungry fed-up calling contacting messaging
    writing reaching following checking chasing returning sending ordering order orders
    customer client member buyer user guest student teacher parent mum mom dad mother father
    wife husband friend manager owner person human robot bot agent someone anyone nobody
    everyone right wrong correct incorrect missing broken damaged faulty delayed charged
    billed refunded subscribed registered logged signed married single moving abroad
    traveling travelling leaving coming staying living working based located currently
    still having experiencing facing seeing noticing expecting planning thinking trying
    what which who whom whose where when why how all any some every each both either neither
    one two three four five six seven eight nine ten first second third last next another
    other same such much many more most less least few several enough please thanks thank
    hello hi hey bye goodbye regards cheers best sincerely yours team support service help
    urgent important ridiculous unacceptable terrible awful horrible ridiculous crazy insane
    absurd amazing excellent perfect fantastic wonderful brilliant lovely nice cool weird
    strange odd fair unfair true false possible impossible necessary useless pointless
    taking taken takes costing happening going getting making made given sent received
    your yours ours theirs whatever whoever however anyway also actually honestly literally
    basically probably maybe perhaps definitely absolutely totally completely seriously
    writing regarding concerning re following the again still rather fairly extremely
    incredibly super kinda sorta like literally really bot assistant chat message email
    phone number account password card payment refund return item package parcel delivery
    shipment tracking address invoice receipt problem issue question complaint request
    in-store online offline monday tuesday wednesday thursday friday saturday sunday january
    february march april may june july august september october november december"""
COMMON_WORDS = frozenset(COMMON_WORDS_TEXT.split())


def find_names(text: str) -> list[Span]:
    """Spans of the names after introductions; strong triggers first, then weak ones."""
    spans = []
    for trigger in STRONG_RE.finditer(text):
        if span := _name_after(text, trigger.end(), strong=True):
            spans.append(span)
    for trigger in WEAK_RE.finditer(text):
        if span := _name_after(text, trigger.end(), strong=False):
            spans.append(span)
    return spans


def _name_after(text: str, position: int, strong: bool) -> Span | None:
    start = end = position
    words = 0
    while words < MAX_NAME_WORDS:
        word = WORD_RE.match(text, position)
        if word is None or not _could_be_name(word.group(), strong or words > 0):
            break
        end = word.end()
        words += 1
        gap = GAP_RE.match(text, end)
        if gap is None:
            break
        position = gap.end()
    return (start, end) if words else None


def _could_be_name(word: str, lenient: bool) -> bool:
    lower = word.lower().strip("'’-")
    if len(lower) < 2 or lower in COMMON_WORDS:
        return False
    if word[0].isupper() or lenient:
        return True
    return NOT_NAME_ENDINGS.search(lower) is None
