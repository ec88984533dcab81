"""A labelled cross-border set of customer records, for the quality of duplicate_customer.

``generate(seed)`` is reproducible: the same seed gives the same records. Each *company*
is entered 2 or 3 times, by offices in different countries (SE, DE, FR, GB, ES, IT, NL, FI,
DK, PL), with the variations that really happen: the legal form of each country, written
short or in full ("AB" / "Aktiebolag", "GmbH" / "Gesellschaft mit beschränkter Haftung"),
dotted or not ("S.p.A." / "SpA"), accents kept or dropped ("Müller" / "Mueller"), upper
case, one typo, punctuation, "The ... Group", and VAT / registration numbers in national
and EU formats, websites as URLs or bare domains. Hard negatives sit next to them: another
company whose name differs by one word of similar spelling ("Nordic Steel" / "Nordic
Stone"), group siblings named after their country ("Kavira Sverige" / "Kavira Norge"),
namesakes that the registry or their websites prove different, webmail domains.

Records of the same company are the positive pairs; every other pair is negative.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from rapidfuzz.distance import OSA

COUNTRIES = ["SE", "DE", "FR", "GB", "ES", "IT", "NL", "FI", "DK", "PL"]

LEGAL_FORMS = {
    "SE": ["AB", "Aktiebolag", "AB (publ)", "Ab"],
    "DE": ["GmbH", "AG", "Gesellschaft mit beschränkter Haftung", "GmbH & Co. KG", "G.m.b.H."],
    "FR": ["SA", "SAS", "S.A.R.L.", "Société Anonyme", "S.A.S."],
    "GB": ["Ltd", "Limited", "PLC", "Ltd."],
    "ES": ["S.A.", "S.L.", "Sociedad Anónima", "Sociedad Limitada", "SL"],
    "IT": ["S.p.A.", "S.r.l.", "SpA", "Società per Azioni", "Srl"],
    "NL": ["B.V.", "N.V.", "BV"],
    "FI": ["Oy", "Oyj", "Osakeyhtiö"],
    "DK": ["A/S", "ApS", "Aktieselskab"],
    "PL": ["Sp. z o.o.", "S.A.", "Spółka Akcyjna", "sp. z o.o."],
}

# (word, a word of similar spelling that names something else)
INDUSTRY = [
    ("Steel", "Stone"),
    ("Paper", "Power"),
    ("Logistics", "Logic"),
    ("Foods", "Feeds"),
    ("Pumps", "Plumbing"),
    ("Energy", "Enterprise"),
    ("Systems", "Services"),
    ("Chemicals", "Ceramics"),
    ("Transport", "Trading"),
    ("Textiles", "Tools"),
    ("Maschinenbau", "Metallbau"),
    ("Elektronik", "Elektrik"),
    ("Pharma", "Plasma"),
    ("Bygg", "Bank"),
    ("Medical", "Metal"),
    ("Robotics", "Rubber"),
    ("Packaging", "Parking"),
    ("Marine", "Mining"),
]
PLACES = {
    "SE": ["Sverige"],
    "DE": ["Deutschland"],
    "FR": ["France"],
    "GB": ["UK"],
    "ES": ["España"],
    "IT": ["Italia"],
    "NL": ["Nederland"],
    "FI": ["Suomi"],
    "DK": ["Danmark"],
    "PL": ["Polska"],
}
# Brand stems with the letters that travel badly across borders.
ACCENTED_STEMS = ["Müller", "Bräu", "Söder", "Ångström", "Łódź", "Jørgensen", "Citroën", "Peña"]
SYLLABLES = ["ka", "vi", "ra", "lu", "me", "no", "bri", "xa", "to", "sen", "dor", "al", "ve"]
SYLLABLES += ["ta", "mi", "ro", "fen", "gar", "sol", "ne", "qui", "zu", "har", "bel", "kor"]
KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


@dataclass(frozen=True)
class Record:
    ref: int  # position in the set
    company: int  # records with the same company are the same customer
    name: str
    country: str
    registration_number: str = ""
    website: str = ""


def _brand(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return rng.choice(ACCENTED_STEMS)
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 3]))).capitalize()


def _one_typo_apart(a: str, b: str) -> bool:
    return a != b and OSA.distance(a.lower(), b.lower(), score_cutoff=1) <= 1


def _typo(rng: random.Random, name: str) -> str:
    words = name.split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not candidates:
        return name
    i = rng.choice(candidates)
    word = words[i]
    pos = rng.randrange(2, len(word) - 1)  # the first letters are seldom mistyped
    op = rng.choice(["swap", "drop", "double", "replace"])
    if op == "swap":
        word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    elif op == "drop":
        word = word[:pos] + word[pos + 1 :]
    elif op == "double":
        word = word[:pos] + word[pos] + word[pos:]
    else:
        word = word[:pos] + rng.choice(KEYBOARD) + word[pos + 1 :]
    words[i] = word
    return " ".join(words)


def _unaccent_german(name: str) -> str:
    for fancy, plain in (("ü", "ue"), ("ö", "oe"), ("ä", "ae"), ("Ö", "Oe"), ("Å", "Aa")):
        name = name.replace(fancy, plain)
    return name


def _variant(rng: random.Random, core: str, country: str) -> str:
    """One office's spelling of a company's core name, with its country's legal form."""
    name = core
    roll = rng.random()
    if roll < 0.15:
        name = _typo(rng, name)
    elif roll < 0.25:
        name = _unaccent_german(name)
    elif roll < 0.32:
        name = name.upper()
    elif roll < 0.38:
        name = name.replace(" ", "-", 1)
    elif roll < 0.44:
        name = f"The {name} Group"
    return f"{name} {rng.choice(LEGAL_FORMS[country])}"


def _registration(rng: random.Random, country: str, number: str, *, vat: bool) -> str:
    """The same national number written the ways offices write it."""
    if country == "SE":
        formatted = f"{number[:6]}-{number[6:]}"
        return f"SE{number}01" if vat else rng.choice([formatted, number])
    if vat:
        return rng.choice([f"{country}{number}", f"{country} {number}"])
    return number


def _number(rng: random.Random, country: str) -> str:
    length = {"SE": 10, "DE": 9, "FR": 9, "GB": 8, "ES": 9, "IT": 11}.get(country, 8)
    return "".join(rng.choice("0123456789") for _ in range(length))


def generate(seed: int = 2026, companies: int = 170) -> list[Record]:
    """``companies`` companies entered 2 or 3 times each, with hard negatives beside them."""
    rng = random.Random(seed)
    records: list[Record] = []
    used_cores: set[str] = set()
    used_brands: set[str] = set()

    def add(company: int, name: str, country: str, reg: str = "", web: str = "") -> None:
        records.append(Record(len(records), company, name, country, reg, web))

    company = 0
    real = 0
    while real < companies:
        industry, lookalike = rng.choice(INDUSTRY)
        brand = _brand(rng)
        core = f"{brand} {industry}"
        if core in used_cores or any(_one_typo_apart(brand, b) for b in used_brands):
            # "Alta Logistics" / "Alto Logistics" with nothing else known: nobody could
            # label that pair, so the set does not hold one.
            continue
        used_brands.add(brand)
        used_cores.add(core)
        home = rng.choice(COUNTRIES)
        copies = 3 if rng.random() < 0.2 else 2
        others = rng.sample([c for c in COUNTRIES if c != home], copies - 1)
        # Which hard negative goes beside it (decided first: a namesake needs numbers).
        roll = rng.random()
        namesake = 0.6 <= roll < 0.7 and home not in ("GB", "NL")
        # What the offices know besides the name.
        evidence = 0.0 if namesake else rng.random()
        number = _number(rng, home)
        domain = f"{brand.lower()}{industry.lower()}.{rng.choice(['com', 'eu', home.lower()])}"
        domain = domain.encode("ascii", "ignore").decode()
        for i, country in enumerate([home, *others]):
            reg = web = ""
            if evidence < 0.35:
                # home office has the national number, the others the EU VAT number
                reg = _registration(rng, home, number, vat=i > 0)
                if i > 0 and home not in ("SE", "DE", "FR", "ES", "IT", "FI", "DK", "PL"):
                    reg = ""  # GB / NL VAT numbers are not the company number
            elif evidence < 0.65 and rng.random() < 0.8:
                web = rng.choice(
                    [domain, f"www.{domain}", f"https://www.{domain}/{country.lower()}"]
                )
            add(company, _variant(rng, core, country), country, reg, web)
        company += 1
        real += 1

        # Hard negatives beside it.
        if roll < 0.45:
            # a different company, one word of similar spelling
            other = f"{brand} {lookalike}"
            if other not in used_cores:
                used_cores.add(other)
                add(company, _variant(rng, other, home), home)
                company += 1
        elif roll < 0.6:
            # two group siblings named after their own countries, where the company has no
            # record, and not linked to one global account yet
            entered = {home, *others}
            a, b = rng.sample([c for c in COUNTRIES if c not in entered], 2)
            for country in (a, b):
                sibling = f"{brand} {industry} {PLACES[country][0]}"
                add(company, f"{sibling} {rng.choice(LEGAL_FORMS[country])}", country)
                company += 1
        elif namesake:
            # a namesake in the home country that the registry proves different
            add(
                company,
                _variant(rng, core, home),
                home,
                _registration(rng, home, _number(rng, home), vat=False),
            )
            company += 1
        elif roll < 0.8:
            # webmail addresses as websites prove nothing
            for word in (lookalike, industry):
                fresh = _brand(rng)
                if fresh in used_brands or any(_one_typo_apart(fresh, b) for b in used_brands):
                    continue
                used_brands.add(fresh)
                other = f"{fresh} {word}"
                used_cores.add(other)
                add(company, f"{other} {rng.choice(LEGAL_FORMS[home])}", home, "", "gmail.com")
                company += 1
    return records


def labelled_pairs(records: list[Record]) -> set[frozenset[int]]:
    """The positive pairs (refs of records of the same company)."""
    by_company: dict[int, list[int]] = {}
    for r in records:
        by_company.setdefault(r.company, []).append(r.ref)
    return {
        frozenset((a, b))
        for refs in by_company.values()
        for i, a in enumerate(refs)
        for b in refs[i + 1 :]
    }


def hard_negative_pairs(records: list[Record]) -> int:
    """How many negative pairs look alike at first sight (same first word)."""
    by_first: dict[str, list[Record]] = {}
    for r in records:
        by_first.setdefault(r.name.split()[0].lower().strip("-"), []).append(r)
    return sum(
        1
        for group in by_first.values()
        for i, a in enumerate(group)
        for b in group[i + 1 :]
        if a.company != b.company
    )
