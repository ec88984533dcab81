"""Matching keys for customers, so that the same company entered twice is found.

Three keys per subsidiary, kept on the row (``Subsidiary.set_matching_keys``) and indexed:

- ``name_key``: the name with legal forms (AB, GmbH, Ltd, S.A., Oy, A/S, B.V., S.p.A., K.K.
  and their local spellings: cleanco's terms plus spelled-out forms), accents, punctuation,
  case and noise words removed; country words kept;
- ``name_block``: the first token of ``name_key``, the blocking key: fuzzy comparison only
  happens inside a block, so the cost grows with the data, not with its square;
- ``registration_key``: the registration / VAT number compacted and, for a valid EU VAT
  number, reduced to the national number (SE556012579001 and 556012-5790 are one company);
- ``domain_key``: the registrable domain of the website (tldextract with its bundled public
  suffix list, no network), empty for webmail and other shared domains.

Used at entry (a warning before a duplicate is saved), at lead conversion, and by the
duplicate-customer detector in opportunities/conflicts.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import tldextract
from cleanco import prepare_default_terms
from rapidfuzz.distance import OSA
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumValidationError

from accounts.matching.blocking import blocking_keys
from gam.text import fold

# Words that say nothing about which company it is.
NOISE_WORDS = frozenset(
    [
        "the",
        "and",
        "und",
        "och",
        "og",
        "et",
        "of",
        "de",
        "der",
        "die",
        "das",
        "la",
        "le",
        "les",
        "el",
        "group",
        "groupe",
        "gruppe",
        "koncern",
        "konzern",
        "holding",
        "holdings",
        "company",
        "co",
        "corp",
        "corporation",
        "incorporated",
        "inc",
        "limited",
    ]
)
# Domains many unrelated companies share: equal domains there prove nothing.
SHARED_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "gmx.de",
        "web.de",
        "t-online.de",
        "orange.fr",
        "free.fr",
        "wanadoo.fr",
        "telia.com",
        "bredband.net",
        "linkedin.com",
        "facebook.com",
    ]
)
# Legal forms written out in full, which cleanco leaves on the name; compared after accents,
# case and punctuation are gone. Stripped from the end of the name, longest first.
SPELLED_LEGAL_FORMS = tuple(
    sorted(
        (
            "aktiebolag",
            "publikt aktiebolag",
            "aktiengesellschaft",
            "gesellschaft mit beschrankter haftung",
            "kommanditgesellschaft",
            "offene handelsgesellschaft",
            "sociedad anonima",
            "sociedad limitada",
            "sociedad limitada unipersonal",
            "sociedad anonima unipersonal",
            "societa per azioni",
            "societa a responsabilita limitata",
            "societe anonyme",
            "societe par actions simplifiee",
            "societe a responsabilite limitee",
            "osakeyhtio",
            "julkinen osakeyhtio",
            "aktieselskab",
            "anpartsselskab",
            "aksjeselskap",
            "besloten vennootschap",
            "naamloze vennootschap",
            "spolka z ograniczona odpowiedzialnoscia",
            "spolka akcyjna",
            "kabushiki kaisha",
            "public limited company",
            "limited liability company",
            "publ",
            # short forms cleanco may leave behind once punctuation is gone
            "ab",
            "abp",
            "ag",
            "gmbh",
            "kg",
            "sa",
            "sas",
            "sarl",
            "sau",
            "sl",
            "slu",
            "spa",
            "srl",
            "ltd",
            "plc",
            "llc",
            "oy",
            "oyj",
            "as",
            "asa",
            "aps",
            "bv",
            "nv",
            "kk",
            "spzoo",
            "sp zoo",
            "spolka zoo",
        ),
        key=len,
        reverse=True,
    )
)
# The same letter spelled two ways across borders: Müller / Mueller, Ålborg / Aalborg.
_TRANSLITERATIONS = (("ae", "a"), ("oe", "o"), ("ue", "u"), ("aa", "a"))
# Two normalized names are "the same name" when equal, or (both at least FUZZY_MIN_LENGTH
# long) one typo apart: one letter inserted, dropped, replaced or two swapped (optimal string
# alignment distance 1), in their own word order or with the words sorted. A wider rule
# ("Elektronik" / "Elektrik", "Packaging" / "Parking") joined different companies on the
# labelled cross-border set (tests/opportunities/test_conflicts_quality.py).
NAME_TYPOS = 1
FUZZY_MIN_LENGTH = 8
# For callers that pre-select candidates by token-sort similarity (0..100) before
# ``names_match`` (the importer): every one-typo pair of FUZZY_MIN_LENGTH+ letters scores
# above it.
NAME_MATCH_THRESHOLD = 85
# Country names in the names of national subsidiaries ("Volvia Sverige AB"): two records in
# different countries whose names differ in these words are group siblings, not one company.
PLACE_WORDS = (
    "sverige",
    "sweden",
    "swedish",
    "svenska",
    "deutschland",
    "germany",
    "german",
    "france",
    "francais",
    "uk",
    "britain",
    "british",
    "england",
    "espana",
    "spain",
    "iberia",
    "italia",
    "italy",
    "italiana",
    "nederland",
    "netherlands",
    "holland",
    "benelux",
    "suomi",
    "finland",
    "danmark",
    "denmark",
    "dansk",
    "polska",
    "poland",
    "polski",
    "norge",
    "norway",
    "norsk",
    "scandinavia",
    "austria",
    "osterreich",
    "schweiz",
    "suisse",
    "switzerland",
    "belgium",
    "belgique",
    "portugal",
    "ireland",
    "usa",
    "america",
    "japan",
    "nippon",
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"[0-9]+")
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """'Volvia Sverige AB' -> 'volvia sverige'; 'The Bosch GmbH & Co. KG' -> 'bosch'."""
    text = _join_initials(_NON_ALNUM.sub(" ", fold(name or "")).strip())
    tokens = _strip_legal_forms(text.split())
    tokens = [_transliterate(t) for t in tokens if t not in NOISE_WORDS]
    return " ".join(tokens)[:200]


_INITIALS = re.compile(r"\b(?:[a-z0-9] )+[a-z0-9]\b")


def _join_initials(text: str) -> str:
    """'s l u' (from 'S.L.U.') -> 'slu', so dotted and undotted spellings are one."""
    return _INITIALS.sub(lambda m: m.group(0).replace(" ", ""), text)


def _legal_form_terms() -> tuple[frozenset, int]:
    """cleanco's legal-form terms (all countries) and ours spelled out, as token tuples
    normalized like names are. Country words are not legal forms here: cleanco counts "UK"
    as one, but it tells national subsidiaries of a group apart."""
    terms = set()
    raw = [" ".join(term) for _n, term in prepare_default_terms()] + list(SPELLED_LEGAL_FORMS)
    for term in raw:
        text = _join_initials(_NON_ALNUM.sub(" ", fold(term)).strip())
        tokens = tuple(text.split())
        if tokens and not (len(tokens) == 1 and tokens[0] in PLACE_WORDS):
            terms.add(tokens)
    return frozenset(terms), max(len(t) for t in terms)


def _strip_legal_forms(tokens: list[str]) -> list[str]:
    """Legal forms off the end of the name, repeatedly ("GmbH & Co. KG", "AB (publ)"), but
    never the whole name. The same term lookup as cleanco's ``basename``, in a fraction of
    its time: scanning 1M subsidiaries needs keys for 1M names."""
    stripped = True
    while stripped and len(tokens) > 1:
        stripped = False
        for n in range(min(_LONGEST_TERM, len(tokens) - 1), 0, -1):
            if tuple(tokens[-n:]) in _LEGAL_TERMS:
                tokens = tokens[:-n]
                stripped = True
                break
    return tokens


def _transliterate(token: str) -> str:
    for spelled, plain in _TRANSLITERATIONS:
        token = token.replace(spelled, plain)
    return token


_PLACE_KEYS = frozenset(_transliterate(word) for word in PLACE_WORDS)
_LEGAL_TERMS, _LONGEST_TERM = _legal_form_terms()


def name_block(name_key: str) -> str:
    return name_key.split(" ", 1)[0][:60] if name_key else ""


def normalize_registration(number: str, country_code: str = "") -> str:
    """A registration or VAT number as ``CC:NATIONALNUMBER`` ('' when there is none)."""
    compact = re.sub(r"[^0-9A-Za-z]", "", number or "").upper()
    if not compact:
        return ""
    country = (country_code or "").upper()
    prefix = compact[:2]
    if prefix.isalpha() and len(compact) > 4:
        try:
            eu_vat.validate(compact)
            looks_like_vat = True
        except StdnumValidationError:
            # Written like an EU VAT number (member-state prefix and digits) with a wrong
            # check digit or a missing suffix: still that country's number, not this one's.
            rest = compact[2:]
            looks_like_vat = prefix.lower() in eu_vat.MEMBER_STATES and (
                rest.isdigit()
                or (prefix == "ES" and len(rest) == 9 and rest[1:-1].isdigit())
                or (prefix == "FR" and len(rest) == 11 and rest[2:].isdigit())
            )
        if looks_like_vat:
            country, compact = ("GR" if prefix == "EL" else prefix), compact[2:]
            if country == "SE" and len(compact) == 12 and compact.endswith("01"):
                compact = compact[:10]  # Swedish VAT = organisation number + "01"
        elif prefix == country and compact[2:].isdigit():
            compact = compact[2:]  # a national number typed with its country prefix (GB ...)
    if country == "FR":
        # French VAT (2-character key + SIREN) and SIRET (SIREN + establishment number)
        # both carry the SIREN.
        if len(compact) == 11 and compact[2:].isdigit():
            compact = compact[2:]
        elif len(compact) == 14 and compact.isdigit():
            compact = compact[:9]
    return f"{country}:{compact}"[:64]


def registrations_differ(a_key: str, b_key: str) -> bool:
    """True when two registration keys prove two different legal entities: both set, of the
    same country and the same kind of number (same length), and not equal. A German VAT
    number and a Handelsregister number of one company are not comparable, so they prove
    nothing."""
    if not a_key or not b_key or a_key == b_key:
        return False
    a_country, _, a_number = a_key.partition(":")
    b_country, _, b_number = b_key.partition(":")
    return a_country == b_country and len(a_number) == len(b_number)


def domain_label(domain_key: str) -> str:
    """'volvia.co.uk' -> 'volvia' (the registrable domain without its public suffix)."""
    return domain_key.split(".", 1)[0].replace("-", "") if domain_key else ""


def registrable_domain(website: str) -> str:
    """'https://www.shop.volvia.co.uk/de' and 'volvia.co.uk' -> 'volvia.co.uk'."""
    text = (website or "").strip().lower()
    if not text:
        return ""
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    parts = _extract(text)
    domain = parts.top_domain_under_public_suffix
    if not domain or domain in SHARED_DOMAINS:
        return ""
    return domain[:255]


@dataclass(frozen=True)
class MatchingKeys:
    name_key: str
    name_block: str
    registration_key: str
    domain_key: str
    match_keys: str = ""  # group discovery's blocking keys, " k1 k2 ... "


def join_keys(keys: list[str]) -> str:
    """Blocking keys as stored: space separated, a space at each end (so that a LIKE
    '% key %' finds one without a database array)."""
    return f" {' '.join(keys)} " if keys else ""


def matching_keys(
    *, name: str, registration_number: str = "", website: str = "", country_code: str = ""
) -> MatchingKeys:
    key = normalize_name(name)
    registration = normalize_registration(registration_number, country_code)
    domain = registrable_domain(website)
    return MatchingKeys(
        name_key=key,
        name_block=name_block(key),
        registration_key=registration,
        domain_key=domain,
        match_keys=join_keys(blocking_keys(name, registration, domain)),
    )


def account_match_keys(name: str, website: str = "") -> str:
    """The stored blocking keys of a global account (its name and website)."""
    return join_keys(blocking_keys(name, "", registrable_domain(website)))


def names_match(a_key: str, b_key: str) -> bool:
    """The same name once normalized, allowing for one typo and another word order."""
    if not a_key or not b_key:
        return False
    if a_key == b_key:
        return True
    if min(len(a_key), len(b_key)) < FUZZY_MIN_LENGTH or abs(len(a_key) - len(b_key)) > NAME_TYPOS:
        return False
    if _DIGITS.findall(a_key) != _DIGITS.findall(b_key):
        return False  # "Filial 12" and "Filial 13" are two, however close they look
    if OSA.distance(a_key, b_key, score_cutoff=NAME_TYPOS) <= NAME_TYPOS:
        return True
    a_sorted, b_sorted = " ".join(sorted(a_key.split())), " ".join(sorted(b_key.split()))
    return OSA.distance(a_sorted, b_sorted, score_cutoff=NAME_TYPOS) <= NAME_TYPOS


def place_words(name_key: str) -> frozenset:
    return frozenset(t for t in name_key.split() if t in _PLACE_KEYS)


def typo_block(name_key: str) -> tuple[str, str]:
    """The second blocking key, for a typo in the first word: (the words after the first,
    the first two letters). ('', '') for one-word names."""
    first, _, rest = name_key.partition(" ")
    return (rest, first[:2]) if rest else ("", "")


@dataclass(frozen=True, slots=True)
class CompanyRow:
    """What the duplicate rules look at for one subsidiary."""

    id: int
    name_key: str
    registration_key: str
    domain_key: str
    country_id: int
    global_account_id: int | None


def duplicate_reasons(a: CompanyRow, b: CompanyRow, *, names_equal: bool | None = None) -> tuple:
    """Why two subsidiaries are the same customer entered twice, or () when they are not.

    The rules (README, "Duplicate-work detection"):
    1. The same registration / VAT number is one legal entity, whatever else differs, even
       at the same global account.
    2. Numbers that prove two legal entities (``registrations_differ``: two numbers of one
       country's register) are never duplicates.
    3. Two subsidiaries already linked to the same global account are group companies: only
       rule 1, or the same name in the same country, makes them duplicates.
    4. The same web domain (shared webmail domains are never keys) is the same customer,
       or at least the same group not yet linked to one global account.
    5. The same name (legal forms and noise removed, fuzzy within a block) is the same
       customer unless both websites are set and name different domains.
    ``names_equal`` lets the full scan pass a comparison it already made in bulk.
    """
    if a.registration_key and a.registration_key == b.registration_key:
        reasons = ["registration_number"]
        if a.domain_key and a.domain_key == b.domain_key:
            reasons.append("website")
        if names_match(a.name_key, b.name_key):
            reasons.append("name")
        return tuple(reasons)
    if registrations_differ(a.registration_key, b.registration_key):
        return ()
    same_name = names_match(a.name_key, b.name_key) if names_equal is None else names_equal
    if same_name and a.country_id != b.country_id:
        # "Volvia Sverige" in SE and "Volvia" in DE: national subsidiaries of one group.
        same_name = place_words(a.name_key) == place_words(b.name_key)
    if a.global_account_id is not None and a.global_account_id == b.global_account_id:
        return ("name",) if same_name and a.country_id == b.country_id else ()
    reasons = []
    if a.domain_key and a.domain_key == b.domain_key:
        reasons.append("website")
    if same_name and (
        not a.domain_key
        or not b.domain_key
        or domain_label(a.domain_key) == domain_label(b.domain_key)
    ):
        reasons.append("name")
    return tuple(reasons)
