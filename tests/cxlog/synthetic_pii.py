"""A seeded generator of customer messages with known personal data, and of look-alikes.

Personal data (kinds ``email``, ``phone``, ``card``, ``iban``, ``address``, ``name``): each case
lists the fragments that must all be gone after redaction (digit groups, street and city words,
name words). Look-alikes (``order``, ``rma``, ``price``, ``date``, ``time``, ``chatter``) must
come out unchanged. Formats follow the countries' own conventions; phrasings vary in case,
punctuation and small typos. Everything here is generated, nothing copied.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

PII_KINDS = ("email", "phone", "card", "iban", "address", "name")
LOOKALIKE_KINDS = ("order", "rma", "price", "date", "time", "chatter")

FIRST_NAMES_TEXT = (
    "Anna Liam Sofia Noah Mia Lukas Emma Mateo Chloe Oliver Aylin Mehmet Priya Arjun Wei Mei "
    "Yuki Haruto Olga Dmitri Fatima Omar Chidi Amara Siobhan Ciaran Ingrid Sven Lucia Pablo "
    "Giulia Marco Zofia Piotr Aoife Tomasz Leila Karim Hannah Jonas Camille Louis Elif Ravi "
    "Nadia Tobias Freya Magnus Rosa Diego Ines Joao Kwame Abena Grace Ethan Isla Finn Maeve Hugo"
)
FIRST_NAMES = FIRST_NAMES_TEXT.split()
LAST_NAMES_TEXT = (
    "Smith Schmidt Dubois Rossi Garcia Kowalski Nguyen Okafor Murphy Jensen Novak Haddad Tanaka "
    "Petrov Silva Fernandes Johansson Moreau Bianchi Lopez Yilmaz Sharma Chen Kim Walsh Brennan "
    "Fischer Weber Lefebvre Romano Martinez Nowak Mensah Osei Ibrahim Khan Patel Andersen "
    "Lindqvist Costa Oliveira Becker Hoffmann Laurent Ricci Moreno Wojcik Kovacs Horvat Byrne"
)
LAST_NAMES = LAST_NAMES_TEXT.split()
COMPANIES = ["Acme", "Northwind", "Globex", "the bakery on main", "Initech", "Umbrella Ltd"]

TYPO_SWAPS = {"please": ["pls", "plz", "please"], "thanks": ["thx", "thanks", "ty"]}


@dataclass(frozen=True)
class Case:
    kind: str
    text: str
    secrets: tuple[str, ...] = ()  # fragments that must not survive redaction


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _vary(rng: random.Random, text: str) -> str:
    """Lower case, a dropped full stop, a chat abbreviation: how people type."""
    for word, options in TYPO_SWAPS.items():
        text = text.replace(word, rng.choice(options))
    roll = rng.random()
    if roll < 0.2:
        text = text.lower()
    elif roll < 0.3:
        text = text[:1].upper() + text[1:]
    if rng.random() < 0.3:
        text = text.rstrip(".!")
    return text


# --- email --------------------------------------------------------------------------------------
EMAIL_DOMAINS = [
    "example.com",
    "mail.example.org",
    "shop-test.co.uk",
    "posteo.de",
    "uni.example.edu",
    "web.example.fr",
    "correo.example.es",
    "example.io",
    "post.example.nl",
    "example.com.au",
]
EMAIL_TEMPLATES = [
    "my email is {}",
    "please send the invoice to {} thanks",
    "{} is the address on my account",
    "Can you update my e-mail to {}?",
    "contact me via {}, not by phone",
    "email: {}",
    "I registered with {} but never got a confirmation",
    "use {} instead please",
    "hi, it's {} — the order confirmation never arrived",
    "reply to {}.",
]


def email(rng: random.Random) -> Case:
    first, last = rng.choice(FIRST_NAMES).lower(), rng.choice(LAST_NAMES).lower()
    local = rng.choice(
        [
            first,
            f"{first}.{last}",
            f"{first}_{last}",
            f"{first[0]}{last}",
            f"{first}{_digits(rng, 2)}",
            f"{first}+shop",
            f"{last}-{first}",
            f"{first}.{last}{_digits(rng, 4)}",
        ]
    )
    address = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
    if rng.random() < 0.1:
        address = address.upper()
    text = _vary(rng, rng.choice(EMAIL_TEMPLATES)).replace("{}", address)
    return Case("email", text, (address,))


# --- phone --------------------------------------------------------------------------------------
US_AREA_CODES = [
    "201",
    "202",
    "206",
    "212",
    "213",
    "215",
    "303",
    "305",
    "312",
    "404",
    "415",
    "503",
    "512",
    "602",
    "617",
    "646",
    "702",
    "713",
    "718",
    "801",
    "818",
    "904",
    "917",
    "972",
]
PHONE_TEMPLATES = [
    "you can call me on {}",
    "my number is {}",
    "{} is my mobile",
    "Please ring {} after 5pm",
    "reach me at {} if the parcel is late",
    "new phone: {}",
    "tel {}",
    "text me at {} please",
    "my phone number changed to {}",
    "the courier can call {}",
    "{}",
    "whatsapp {} thanks",
    "Contact number {}.",
    "if no one answers, try {}",
    "mobile: {}",
]


def _group(digits: str, sizes: list[int], separator: str) -> str:
    parts, position = [], 0
    for size in sizes:
        parts.append(digits[position : position + size])
        position += size
    if position < len(digits):
        parts.append(digits[position:])
    return separator.join(parts)


def _phone_number(rng: random.Random) -> str:
    country = rng.choice(["US", "GB", "DE", "FR", "ES", "IT", "NL", "IE", "AU", "IN"])
    sep = rng.choice([" ", " ", "-", ".", ""])
    international = rng.random() < 0.4
    if country == "US":
        area = rng.choice(US_AREA_CODES)
        exchange = str(rng.randint(2, 9)) + _digits(rng, 2)
        line = _digits(rng, 4)
        if international:
            return (
                f"+1 {area} {exchange} {line}"
                if sep.strip() == ""
                else f"+1-{area}-{exchange}-{line}"
            )
        style = rng.randrange(3)
        if style == 0:
            return f"({area}) {exchange}-{line}"
        return f"{area}{sep}{exchange}{sep}{line}" if style == 1 else f"1-{area}-{exchange}-{line}"
    if country == "GB":
        if rng.random() < 0.6:
            national = "7" + rng.choice(["4", "5", "7", "8", "9"]) + _digits(rng, 8)
            sizes = [4, 6]
        else:
            national = rng.choice(
                [
                    "20" + rng.choice("378") + _digits(rng, 7),
                    rng.choice(["161", "113", "121", "131", "141"])
                    + rng.choice("2345689")
                    + _digits(rng, 6),
                ]
            )
            sizes = [2, 4, 4] if national.startswith("20") else [3, 3, 4]
    elif country == "DE":
        if rng.random() < 0.6:
            national = rng.choice(
                ["151", "152", "160", "170", "171", "172", "175", "176", "177", "178"]
            )
            national += _digits(rng, 8 if national.startswith("15") or national == "176" else 7)
            sizes = [3, 8]
        else:
            national = (
                rng.choice(["30", "40", "89", "221", "69"])
                + rng.choice("2345689")
                + _digits(rng, 6)
            )
            sizes = [len(national) - 7, 7]
    elif country == "FR":
        national = rng.choice("1234567") + _digits(rng, 8)
        sizes = [1, 2, 2, 2, 2]
    elif country == "ES":
        national = rng.choice(["6", "71", "72", "73", "91", "93"])
        national += _digits(rng, 9 - len(national))
        sizes = [3, 3, 3]
    elif country == "IT":
        national = rng.choice(
            ["3" + rng.choice("234589") + _digits(rng, 8), "06" + _digits(rng, 8)]
        )
        sizes = [3, 3, 4] if national.startswith("3") else [2, 4, 4]
    elif country == "NL":
        national = "6" + rng.choice("12345") + _digits(rng, 7)
        sizes = [1, 8]
    elif country == "IE":
        national = "8" + rng.choice("35679") + _digits(rng, 7)
        sizes = [2, 3, 4]
    elif country == "AU":
        national = "4" + _digits(rng, 8)
        sizes = [3, 3, 3]
    else:  # India: only written internationally by customers abroad
        national = rng.choice("6789") + _digits(rng, 9)
        sizes = [5, 5]
        international = True
    codes = {
        "GB": "44",
        "DE": "49",
        "FR": "33",
        "ES": "34",
        "IT": "39",
        "NL": "31",
        "IE": "353",
        "AU": "61",
        "IN": "91",
    }
    trunk = "" if country in ("ES", "IT", "IN") else "0"
    if international:
        prefix = rng.choice(["+", "+", "00"])
        return f"{prefix}{codes[country]} {_group(national, sizes, sep or ' ')}"
    return trunk + _group(national, sizes, sep)


def phone(rng: random.Random) -> Case:
    number = _phone_number(rng)
    while number[0] in "123456789" and number.isdigit():
        # A bare run of digits without a trunk 0, "+" or a word like "call" before it is read
        # as an order number by design (the NLU's order_id regex does the same).
        number = _phone_number(rng)
    text = _vary(rng, rng.choice(PHONE_TEMPLATES)).replace("{}", number)
    return Case("phone", text, tuple(re.findall(r"\d{3,}", number)))


# --- card ---------------------------------------------------------------------------------------
CARD_TEMPLATES = [
    "I paid with card {}",
    "my card number is {} and it was declined",
    "{} was charged twice",
    "the payment with {} failed",
    "card: {} exp 09/27",
    "please refund to {}",
    "Can you check the card ending... actually the whole number is {}",
    "cc {} cvv later",
]
CARD_SEPARATORS = [" ", " ", "-", "", ".", "\u00a0", "\u202f", " - "]


def _luhn_complete(partial: str) -> str:
    for check in string.digits:
        candidate = partial + check
        total = 0
        for position, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("one check digit always works")


def card(rng: random.Random) -> Case:
    brand = rng.randrange(6)
    if brand == 0:  # Visa
        number, sizes = _luhn_complete("4" + _digits(rng, 14)), [4, 4, 4, 4]
    elif brand == 1:  # Mastercard, old and 2-series ranges
        start = str(rng.choice([rng.randint(51, 55), rng.randint(2221, 2720)]))
        number, sizes = _luhn_complete(start + _digits(rng, 15 - len(start))), [4, 4, 4, 4]
    elif brand == 2:  # Amex
        number, sizes = _luhn_complete(rng.choice(["34", "37"]) + _digits(rng, 12)), [4, 6, 5]
    elif brand == 3:  # Diners
        number, sizes = _luhn_complete("36" + _digits(rng, 11)), [4, 6, 4]
    elif brand == 4:  # Discover / JCB
        number = _luhn_complete(rng.choice(["6011", "3528", "3589"]) + _digits(rng, 11))
        sizes = [4, 4, 4, 4]
    else:  # Maestro, 19 digits
        number, sizes = _luhn_complete("6759" + _digits(rng, 14)), [4, 4, 4, 4, 3]
    written = _group(number, sizes, rng.choice(CARD_SEPARATORS))
    text = _vary(rng, rng.choice(CARD_TEMPLATES)).replace("{}", written)
    return Case("card", text, tuple(re.findall(r"\d{3,}", written)))


# --- iban ---------------------------------------------------------------------------------------
# BBAN layouts (n: digit, a: capital letter, c: either), as national formats define them.
IBAN_LAYOUTS = {
    "DE": "18n",
    "GB": "4a14n",
    "FR": "10n11c2n",
    "ES": "20n",
    "IT": "1a10n12c",
    "NL": "4a10n",
    "BE": "12n",
    "AT": "16n",
    "CH": "5n12c",
    "IE": "4a14n",
    "PL": "24n",
    "PT": "21n",
}
IBAN_TEMPLATES = [
    "my IBAN is {}",
    "please refund to {}",
    "iban: {}",
    "bank account {} (Sparkasse)",
    "Could you send the money to {}?",
    "{} is my account for the refund",
    "use IBAN {} thanks",
]


def _bban(rng: random.Random, layout: str) -> str:
    out = ""
    for count, kind in re.findall(r"(\d+)([nac])", layout):
        pool = {"n": string.digits, "a": string.ascii_uppercase}.get(
            kind, string.digits + string.ascii_uppercase
        )
        out += "".join(rng.choice(pool) for _ in range(int(count)))
    return out


def _iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(char, 36)) for char in rearranged))
    return f"{98 - number % 97:02d}"


def iban(rng: random.Random) -> Case:
    country = rng.choice(sorted(IBAN_LAYOUTS))
    bban = _bban(rng, IBAN_LAYOUTS[country])
    compact = country + _iban_check(country, bban) + bban
    style = rng.randrange(5)
    if style in (0, 1):
        written = _group(compact, [4] * 8, " ")
    elif style == 2:
        written = compact
    elif style == 3:
        written = _group(compact, [4] * 8, "\u00a0")
    else:
        written = _group(compact, [4] * 8, rng.choice(["-", " "])).lower()
    text = _vary(rng, rng.choice(IBAN_TEMPLATES)).replace("{}", written)
    return Case("iban", text, tuple(part for part in re.split(r"[\s-]", written) if part))


# --- address ------------------------------------------------------------------------------------
STREET_WORDS_TEXT = (
    "Oak Maple Cedar Elm Church Station Mill High Park Victoria King Queen Bridge Green Hill "
    "Lake River Spring Sunset Evergreen Willow Chestnut Meadow Orchard Harbour Castle Forest"
)
STREET_WORDS = STREET_WORDS_TEXT.split()
US_CITIES = [
    ("Springfield", "IL"),
    ("Portland", "OR"),
    ("Austin", "TX"),
    ("Denver", "CO"),
    ("Columbus", "OH"),
    ("Madison", "WI"),
    ("Raleigh", "NC"),
    ("Boise", "ID"),
    ("Salem", "MA"),
    ("Dayton", "OH"),
    ("Fresno", "CA"),
    ("Tampa", "FL"),
]
UK_TOWNS = ["Leeds", "Bristol", "Manchester", "York", "Cardiff", "Glasgow", "Norwich", "Bath"]
DE_CITIES = ["Berlin", "München", "Hamburg", "Köln", "Leipzig", "Dresden", "Bremen", "Kiel"]
FR_CITIES = ["Paris", "Lyon", "Marseille", "Lille", "Nantes", "Bordeaux", "Toulouse", "Rennes"]
NL_CITIES = ["Amsterdam", "Utrecht", "Rotterdam", "Leiden", "Haarlem", "Delft"]
ES_IT_CITIES = [
    ("Calle", "Madrid"),
    ("Calle", "Sevilla"),
    ("Via", "Roma"),
    ("Via", "Milano"),
    ("Avenida", "Valencia"),
    ("Corso", "Torino"),
]
CA_CITIES = [("Toronto", "ON"), ("Ottawa", "ON"), ("Vancouver", "BC"), ("Halifax", "NS")]
AU_CITIES = [("Sydney", "NSW"), ("Melbourne", "VIC"), ("Brisbane", "QLD"), ("Perth", "WA")]
ADDRESS_TEMPLATES = [
    "I live at {}",
    "please ship it to {}",
    "my new address is {}",
    "{} is my address",
    "send the replacement to {} please",
    "deliver to {}, thanks",
    "change the address to {}",
    "i moved to {}",
    "Address: {}",
    "can you redirect the parcel to {}?",
]


def _uk_postcode(rng: random.Random) -> str:
    area = rng.choice(["LS", "BS", "M", "YO", "CF", "G", "NR", "BA", "SW", "N", "EC"])
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return (
        f"{area}{rng.randint(1, 20)} {rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    )


def _address(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    number = str(rng.randint(1, 2400))
    word = rng.choice(STREET_WORDS)
    style = rng.randrange(8)
    if style == 0:
        city, state = rng.choice(US_CITIES)
        zip_code = _digits(rng, 5) + (f"-{_digits(rng, 4)}" if rng.random() < 0.2 else "")
        street_type = rng.choice(
            ["Street", "St.", "Avenue", "Ave", "Drive", "Road", "Lane", "Blvd"]
        )
        unit = rng.choice(["", "", f", Apt {rng.randint(1, 40)}"])
        text = f"{number} {word} {street_type}{unit}, {city}, {state} {zip_code}"
        return text, (number, word, city, zip_code)
    if style == 1:
        town, postcode = rng.choice(UK_TOWNS), _uk_postcode(rng)
        street_type = rng.choice(["Road", "Street", "Lane", "Close", "Crescent", "Way", "Gardens"])
        text = f"{number} {word} {street_type}, {town} {postcode}"
        if rng.random() < 0.3:
            text = f"Flat {rng.randint(1, 9)}, {text}"
        return text, (number, word, town, *postcode.split())
    if style == 2:
        city, plz = rng.choice(DE_CITIES), _digits(rng, 5)
        street = rng.choice(
            ["Haupt", "Linden", "Berg", "Schiller", "Garten", "Bahnhof"]
        ) + rng.choice(["straße", "strasse", "str.", "weg", "allee", "platz"])
        house = str(rng.randint(1, 120)) + rng.choice(["", "", "a", "b"])
        return f"{street} {house}, {plz} {city}", (street.rstrip("."), house, plz, city)
    if style == 3:
        city, code = rng.choice(FR_CITIES), _digits(rng, 5)
        street = rng.choice(
            [
                "rue de la Paix",
                "rue Victor Hugo",
                "avenue des Fleurs",
                "boulevard Voltaire",
                "rue du Moulin",
                "chemin des Vignes",
                "place de la Gare",
            ]
        )
        return f"{number} {street}, {code} {city}", (number, street.split()[-1], code, city)
    if style == 4:
        city, code = (
            rng.choice(NL_CITIES),
            f"{rng.randint(1000, 9999)} {rng.choice(['AB', 'CD', 'KL', 'XZ'])}",
        )
        street = rng.choice(["Kerk", "Molen", "Dorps", "Prinsen", "Heren"]) + rng.choice(
            ["straat", "laan", "gracht", "plein"]
        )
        return f"{street} {rng.randint(1, 300)}, {code} {city}", (street, code.split()[0], city)
    if style == 5:
        kind, city = rng.choice(ES_IT_CITIES)
        name = rng.choice(["Mayor", "Garibaldi", "Sol", "Verdi", "Colón", "Dante"])
        house = str(rng.randint(1, 200))
        return f"{kind} {name} {house}, {_digits(rng, 5)} {city}", (name, house, city)
    if style == 6:
        city, province = rng.choice(CA_CITIES)
        postal = f"{rng.choice('KLMNV')}{rng.randint(0, 9)}{rng.choice('ABCEGH')} "
        postal += f"{rng.randint(0, 9)}{rng.choice('JKLMNP')}{rng.randint(0, 9)}"
        text = f"{number} {word} Street, {city}, {province} {postal}"
        return text, (number, word, city, *postal.split())
    city, state = rng.choice(AU_CITIES)
    postcode = str(rng.randint(2000, 6999))
    street_type = rng.choice(["Street", "Road", "Parade", "Avenue"])
    text = f"{number} {word} {street_type}, {city} {state} {postcode}"
    return text, (number, word, city, postcode)


def address(rng: random.Random) -> Case:
    written, secrets = _address(rng)
    if rng.random() < 0.25:
        written = written.lower()
    text = _vary(rng, rng.choice(ADDRESS_TEMPLATES)).replace("{}", written)
    return Case("address", text, secrets)


# --- name ---------------------------------------------------------------------------------------
NAME_TEMPLATES = [
    "my name is {}",
    "My name's {} and I ordered shoes",
    "name's {}",
    "I'm {}",
    "im {}, hi",
    "I am {} and my parcel is late",
    "this is {} from {company}",
    "Hi, this is {} here",
    "Hello, I'm {}. Where is my order?",
    "call me {}",
    "thanks, {}",
    "Regards, {}",
    "hey it's {}, I wrote yesterday",
    "My name is {}. I need help",
    "I go by {}",
]


def name(rng: random.Random) -> Case:
    words = [rng.choice(FIRST_NAMES)]
    if rng.random() < 0.5:
        words.append(rng.choice(LAST_NAMES))
    written = " ".join(words)
    template = _vary(rng, rng.choice(NAME_TEMPLATES))
    if rng.random() < 0.25:
        written = written.lower()
    text = template.replace("{}", written).replace("{company}", rng.choice(COMPANIES))
    return Case("name", text, tuple(words))


# --- look-alikes that must stay -----------------------------------------------------------------
ORDER_TEMPLATES = [
    "where is my order #{}",
    "order {} has not arrived",
    "I want to return order number {}",
    "cancel {} please",
    "status of #{}?",
    "my order {} was charged twice, call me",
    "please call me about order {}",
    "{}",
    "order no. {} is missing an item",
    "#{}",
    "Orders {} and {} came together",
]
RMA_TEMPLATES = ["my return is {}", "RMA number {}", "i wrote {} on the box", "{} label missing"]
PRICE_TEMPLATES = [
    "it cost {}",
    "I was charged {} instead of {}",
    "the refund was {}",
    "{} for shipping?",
]
DATE_TEMPLATES = ["ordered on {}", "it should arrive by {}", "delivered {}, not on {}", "since {}"]
TIME_TEMPLATES = [
    "the courier came at {}",
    "between {} please",
    "call back after {}",
    "at {} today",
]
CHATTER = [
    "I'm angry",
    "I'm looking for my order",
    "i'm so annoyed",
    "I am still waiting",
    "this is taking forever",
    "this is ridiculous",
    "I'm not happy with the shoes",
    "im confused about the refund",
    "I'm really disappointed",
    "thanks, great",
    "cheers, bye",
    "I'm trying to return a jacket",
    "this is the second time",
    "I am a new customer",
    "I'm on the phone with my bank",
    "it's broken",
    "I'm sorry to bother you",
    "Thanks, that helps",
    "I'm fine thanks",
    "this is urgent",
    "I'm back",
    "i am upset",
    "I'm stuck at checkout",
    "this is my third message",
    "I'm about to give up",
    "Regards, the customer",
    "I'm writing about my refund",
    "it's been two weeks",
    "I'm worried the parcel is lost",
    "This is not what I ordered",
    "I'm abroad until Monday",
    "im gonna cancel",
    "I'm in a hurry",
    "i'm frustrated",
    "this is a joke",
    "I am furious",
    "Thanks, bye",
    "I'm done",
    "I'm moving next week",
    "this is absurd",
    "I'm pretty sure",
]
RMA_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _order_number(rng: random.Random) -> str:
    if rng.random() < 0.5:  # the project's own: 10001, 20001...
        return f"{rng.randint(1, 9)}{rng.randint(0, 9999):04d}"
    return str(rng.randint(1, 9)) + _digits(rng, rng.randint(3, 11))


def order(rng: random.Random) -> Case:
    template = rng.choice(ORDER_TEMPLATES)
    return Case("order", _vary(rng, template.format(*(_order_number(rng) for _ in range(2)))))


def rma(rng: random.Random) -> Case:
    number = "RMA-" + "".join(rng.choice(RMA_ALPHABET) for _ in range(8))
    return Case(
        "rma", rng.choice(RMA_TEMPLATES).format(number.lower() if rng.random() < 0.2 else number)
    )


def _price(rng: random.Random) -> str:
    amount = rng.randint(1, 4999)
    cents = rng.randint(0, 99)
    style = rng.randrange(7)
    if style == 0:
        return f"${amount}.{cents:02d}"
    if style == 1:
        return f"€ {amount:,}".replace(",", ".") + f",{cents:02d}"
    if style == 2:
        return f"£{amount:,}.{cents:02d}"
    if style == 3:
        return " ".join(str(rng.randint(1, 300)) for _ in range(3))  # "25 50 100"
    if style == 4:
        return f"{amount:,}".replace(",", "\u00a0") + f",{cents:02d} €"
    if style == 5:
        return f"USD {amount:,}"
    return f"{amount}.{cents:02d} EUR"


def price(rng: random.Random) -> Case:
    return Case("price", rng.choice(PRICE_TEMPLATES).format(_price(rng), _price(rng)))


def _date(rng: random.Random) -> str:
    year, month, day = rng.randint(2019, 2027), rng.randint(1, 12), rng.randint(1, 28)
    months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    return rng.choice(
        [
            f"{year}-{month:02d}-{day:02d}",
            f"{day:02d}.{month:02d}.{year}",
            f"{month:02d}/{day:02d}/{year}",
            f"{day} {months[month - 1]} {year}",
            f"{months[month - 1]} {day}, {year}",
            f"{day:02d}/{month:02d}/{year % 100:02d}",
            f"{year}{month:02d}{day:02d}",
            f"{day}.{month}.",
            f"{year} {month:02d} {day:02d}",
        ]
    )


def date(rng: random.Random) -> Case:
    return Case("date", rng.choice(DATE_TEMPLATES).format(_date(rng), _date(rng)))


def _time(rng: random.Random) -> str:
    hour, minute = rng.randint(0, 23), rng.choice([0, 15, 30, 45, rng.randint(0, 59)])
    return rng.choice(
        [
            f"{hour:02d}:{minute:02d}",
            f"{hour % 12 or 12}:{minute:02d} {rng.choice(['am', 'pm'])}",
            f"{hour:02d}:{minute:02d}-{(hour + 2) % 24:02d}:{minute:02d}",
            f"{hour}h{minute:02d}",
            f"{hour % 12 or 12}{rng.choice(['am', 'pm'])}",
            f"{hour:02d}:{minute:02d}:{rng.randint(0, 59):02d}",
        ]
    )


def time_of_day(rng: random.Random) -> Case:
    return Case("time", rng.choice(TIME_TEMPLATES).format(_time(rng)))


def chatter(rng: random.Random) -> Case:
    return Case("chatter", _vary(rng, rng.choice(CHATTER)))


GENERATORS: dict[str, Callable[[random.Random], Case]] = {
    "email": email,
    "phone": phone,
    "card": card,
    "iban": iban,
    "address": address,
    "name": name,
    "order": order,
    "rma": rma,
    "price": price,
    "date": date,
    "time": time_of_day,
    "chatter": chatter,
}


def generate(seed: int = 20261123, per_kind: int = 1200) -> list[Case]:
    rng = random.Random(seed)
    return [GENERATORS[kind](rng) for kind in GENERATORS for _ in range(per_kind)]
