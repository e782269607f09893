"""Words that make a message a delivery problem (actions/delivery.py, actions/validation.py)."""

from __future__ import annotations

import re

# A message about a parcel that says something went wrong with it.
PARCEL = re.compile(r"deliver|parcel|package|order|courier|arriv|shipment|tracking|box", re.I)
WENT_WRONG = re.compile(
    r"\blate\b|delay|stuck|hasn'?t moved|lost|stol|damag|broke|ripped|torn|crush|smash|"
    r"never (came|arrived|showed|got)|missing|didn'?t (arrive|come)",
    re.I,
)


def reports_problem(text: str) -> bool:
    """ "my jacket arrived ripped", "order 10001 never arrived": a delivery problem, whatever
    else the message says (a complaint, a tracking question)."""
    return bool(PARCEL.search(text) and WENT_WRONG.search(text))
