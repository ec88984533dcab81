"""What a company name says, for group discovery: its distinctive words, its legal form and
the country that form belongs to, the country words in it, its acronym and its joined form.

``analyze("ROBERT BOSCH FRANCE SAS")`` -> words ('robert', 'bosch'), countries {'FR'} (from
the country word), legal form 'sas' (French), acronym 'rb', joined 'robertbosch'.

The words are folded (``gam.text``), transliterated the way offices type letters they do
not have (Wärtsilä / Wartsila / Waertsilae), abbreviations expanded (Intl, Int'l, Corp, Mfg,
Bros, & ...), camel case split (ScaniaCV -> scania cv) and plurals reduced (Stores ->
store); legal forms (cleanco's terms of all countries, at either end: "AB Volvo", "Volvo
AB") and noise words (The, Group, Holding, Company ...) dropped; country words in many
languages (Deutschland, Sverige, Italiana, España, UK, USA ...) set aside: they name the
national company, not the group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cleanco import prepare_default_terms
from cleanco.classify import countrysources

from gam.text import fold


def _wordset(text: str) -> frozenset:
    return frozenset(text.split())


# Country words, folded, in the languages national companies are named in -> ISO code.
COUNTRY_WORDS: dict[str, str] = {}
for _code, _words in {
    "SE": "sverige sweden swedish svenska svensk svenske suecia suede schweden",
    "DE": "deutschland germany german deutsche deutscher allemagne alemania germania duitsland",
    "FR": "france francaise francais french frankreich francia",
    "GB": "uk gb britain british england english united kingdom scotland wales",
    "US": "usa us america american americas",
    "ES": "espana spain spanish espanola espanol iberica iberia spanien espagne",
    "IT": "italia italy italian italiana italiano italien italie",
    "NL": "nederland netherlands dutch holland nederlandse",
    "BE": "belgium belgique belgie belgian belux",
    "LU": "luxembourg luxemburg",
    "FI": "suomi finland finnish finska",
    "DK": "danmark denmark danish dansk danske",
    "NO": "norge norway norwegian norsk norske",
    "IS": "iceland island",
    "PL": "polska poland polish polski",
    "AT": "osterreich austria austrian oesterreich",
    "CH": "schweiz suisse svizzera switzerland swiss",
    "PT": "portugal portuguesa portugues",
    "IE": "ireland irish eire",
    "CZ": "czech ceska cesko czechia",
    "SK": "slovakia slovensko",
    "HU": "hungary magyarorszag magyar hungaria",
    "RO": "romania",
    "BG": "bulgaria",
    "GR": "greece hellas hellenic",
    "TR": "turkiye turkey turk",
    "RU": "russia rus",
    "UA": "ukraine ukraina",
    "JP": "japan nippon japanese nihon",
    "CN": "china chinese zhongguo",
    "HK": "hongkong",
    "TW": "taiwan",
    "KR": "korea korean",
    "IN": "india indian",
    "SG": "singapore",
    "MY": "malaysia",
    "TH": "thailand",
    "ID": "indonesia",
    "PH": "philippines",
    "VN": "vietnam",
    "AU": "australia australian",
    "NZ": "zealand",
    "CA": "canada canadian",
    "MX": "mexico mexicana mexicano",
    "BR": "brasil brazil brasileira",
    "AR": "argentina",
    "CL": "chile",
    "CO": "colombia",
    "ZA": "africa",
    "AE": "emirates uae",
    "SA": "arabia",
    "EG": "egypt",
    "IL": "israel",
}.items():
    for _word in _words.split():
        COUNTRY_WORDS[_word] = _code
# Regions: a national or regional company of the group, not the group's name.
REGION_WORDS = _wordset(
    "nordic nordics scandinavia scandinavian europe european emea benelux dach asia pacific "
    "apac latam baltic baltics iberia mena middle east north south west central"
)
NOISE_WORDS = _wordset(
    "the and und och og et of de der die das la le les el il lo del des du van von y e "
    "group groupe gruppe grupo gruppo groep gruppen koncern konzern koncernen konsern "
    "konserni holding holdings koninklijke compagnie cie compania companhia compagnia "
    "company companies co corporation incorporated inc limited ltd mbh gmbh llc "
    "in i en"
)
# Abbreviations sellers type, folded -> the word they stand for.
ABBREVIATIONS = {
    "intl": "international",
    "int": "international",
    "internat": "international",
    "internacional": "international",
    "internationale": "international",
    "corp": "corporation",
    "mfg": "manufacturing",
    "mfr": "manufacturing",
    "mfrs": "manufacturing",
    "bros": "brothers",
    "ind": "industries",
    "inds": "industries",
    "indus": "industries",
    "svcs": "services",
    "svc": "services",
    "sys": "systems",
    "tech": "technologies",
    "technology": "technologies",
    "techn": "technologies",
    "natl": "national",
    "assoc": "associates",
    "hldgs": "holdings",
    "grp": "group",
    "mgmt": "management",
    "eng": "engineering",
    "engg": "engineering",
    "elec": "electric",
    "electrical": "electric",
    "chem": "chemicals",
    "pharma": "pharmaceuticals",
    "pharm": "pharmaceuticals",
    "labs": "laboratories",
    "lab": "laboratories",
    "dev": "development",
    "dist": "distribution",
    "distr": "distribution",
    "prod": "products",
    "prods": "products",
    "comm": "communications",
    "comms": "communications",
    "telecom": "telecommunications",
    "ctr": "center",
    "centre": "center",
    "svenska": "sverige",
    "st": "saint",
    "ste": "sainte",
    "amer": "america",
}
# Spelled-out legal forms cleanco does not list, and legal forms written with spaces.
EXTRA_LEGAL_FORMS = (
    "aktiebolag",
    "publikt aktiebolag",
    "publ",
    "aktiengesellschaft",
    "gesellschaft mit beschrankter haftung",
    "kommanditgesellschaft",
    "sociedad anonima",
    "sociedad limitada",
    "societa per azioni",
    "societa a responsabilita limitata",
    "societe anonyme",
    "societe par actions simplifiee",
    "societe a responsabilite limitee",
    "osakeyhtio",
    "aktieselskab",
    "anpartsselskab",
    "aksjeselskap",
    "besloten vennootschap",
    "naamloze vennootschap",
    "spolka z ograniczona odpowiedzialnoscia",
    "spolka akcyjna",
    "sp zoo",
    "spzoo",
    "kabushiki kaisha",
    "public limited company",
    "limited liability company",
    "abp",
    "oyj",
    "aktiebolaget",
    "sa de cv",
    "sab de cv",
    "sapi de cv",
    "s de rl de cv",
    "sa de rl",
)
# One legal form spelled in several ways -> its short form, so "Aktiebolag" and "AB" agree.
LEGAL_FORM_SHORT = {
    "aktiebolag": "ab",
    "publikt aktiebolag": "ab",
    "ab publ": "ab",
    "publ": "ab",
    "aktiengesellschaft": "ag",
    "gesellschaft mit beschrankter haftung": "gmbh",
    "g m b h": "gmbh",
    "sociedad anonima": "sa",
    "sociedad limitada": "sl",
    "societa per azioni": "spa",
    "societa a responsabilita limitata": "srl",
    "societe anonyme": "sa",
    "societe par actions simplifiee": "sas",
    "societe a responsabilite limitee": "sarl",
    "osakeyhtio": "oy",
    "aktieselskab": "as",
    "anpartsselskab": "aps",
    "aksjeselskap": "as",
    "besloten vennootschap": "bv",
    "naamloze vennootschap": "nv",
    "spolka z ograniczona odpowiedzialnoscia": "spzoo",
    "sp zoo": "spzoo",
    "spolka akcyjna": "sa",
    "kabushiki kaisha": "kk",
    "public limited company": "plc",
    "limited liability company": "llc",
    "limited": "ltd",
    "incorporated": "inc",
    "corporation": "corp",
    "company": "co",
    "abp": "oyj",
    "aktiebolaget": "ab",
    "sa de cv": "sadecv",
    "sab de cv": "sadecv",
    "sapi de cv": "sadecv",
}
# The countries a legal form belongs to (ISO codes), from cleanco's country table, where
# the country names are spelled as below.
_CLEANCO_COUNTRY = {
    "Sweden": "SE",
    "Germany": "DE",
    "France": "FR",
    "United Kingdom": "GB",
    "United States of America": "US",
    "Spain": "ES",
    "Italy": "IT",
    "Netherlands": "NL",
    "The Netherlands": "NL",
    "Belgium": "BE",
    "Finland": "FI",
    "Denmark": "DK",
    "Norway": "NO",
    "Poland": "PL",
    "Austria": "AT",
    "Switzerland": "CH",
    "Portugal": "PT",
    "Ireland": "IE",
    "Czech Republic": "CZ",
    "Slovakia": "SK",
    "Hungary": "HU",
    "Japan": "JP",
    "China": "CN",
    "India": "IN",
    "Australia": "AU",
    "Canada": "CA",
    "Mexico": "MX",
    "Brazil": "BR",
    "Luxembourg": "LU",
    "Greece": "GR",
    "Turkey": "TR",
    "Romania": "RO",
}
_EXTRA_FORM_COUNTRIES = {
    "ab": "SE FI",
    "oy": "FI",
    "oyj": "FI",
    "as": "NO DK",
    "asa": "NO",
    "aps": "DK",
    "ag": "DE CH AT",
    "gmbh": "DE AT CH",
    "sas": "FR",
    "sarl": "FR LU",
    "sa": "FR ES BE LU CH PL PT",
    "sl": "ES",
    "slu": "ES",
    "sau": "ES",
    "spa": "IT",
    "srl": "IT RO",
    "bv": "NL BE",
    "nv": "NL BE",
    "ltd": "GB IE IN AU HK SG",
    "plc": "GB IE",
    "llc": "US",
    "inc": "US CA",
    "corp": "US",
    "spzoo": "PL",
    "kk": "JP",
}

_APOSTROPHES = re.compile(r"['’`´]")
_LETTER_AND_LETTER = re.compile(r"\b(\w)\s*&\s*(\w)\b")  # "H&M", "P & G" -> "HM", "PG"
_TOKEN = re.compile(r"\w+")
_CAMEL = re.compile(r"(?<=[a-z]{2})(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_INITIALS = re.compile(r"\b(?:[a-z0-9] )+[a-z0-9]\b")
_SINGLE = re.compile(r"(?:^| )[a-z0-9] ")
_TRANSLITERATIONS = (("ae", "a"), ("oe", "o"), ("ue", "u"), ("aa", "a"))
_VOWELS = re.compile(r"[aeiouy]")
_REPEATS = re.compile(r"(.)\1+")


def _camel(match: re.Match) -> str:
    token = match.group(0)
    if (fold(token),) in LEGAL_FORMS:  # "GmbH", "SpA"
        return token
    return _CAMEL.sub(" ", token)


def _join_initials(match: re.Match) -> str:
    return match.group(0).replace(" ", "")


def _fold_text(text: str) -> str:
    # Each rewrite only when its pattern can occur: names are folded by the million.
    text = _APOSTROPHES.sub("", text)
    if "&" in text or "+" in text:
        text = _LETTER_AND_LETTER.sub(r"\1\2", text)
        text = text.replace("&", " and ").replace("+", " and ")
    if _CAMEL.search(text):
        text = _TOKEN.sub(_camel, text)
    text = _NON_ALNUM.sub(" ", fold(text)).strip()
    return _INITIALS.sub(_join_initials, text) if _SINGLE.search(text) else text


def _legal_forms() -> tuple[dict[tuple[str, ...], str], dict[str, frozenset], int]:
    """{folded term tokens: short form}, {short form: countries}, the longest term."""
    forms: dict[tuple[str, ...], str] = {}
    countries: dict[str, set] = {}
    for country, term in countrysources():
        tokens = tuple(_fold_text(term).split())
        if not tokens or (len(tokens) == 1 and tokens[0] in COUNTRY_WORDS):
            continue
        short = LEGAL_FORM_SHORT.get(" ".join(tokens), "".join(tokens))
        forms[tokens] = short
        code = _CLEANCO_COUNTRY.get(country)
        if code:
            countries.setdefault(short, set()).add(code)
    for _name, term in prepare_default_terms():
        tokens = tuple(_fold_text(" ".join(term)).split())
        if tokens and not (len(tokens) == 1 and tokens[0] in COUNTRY_WORDS):
            forms.setdefault(tokens, LEGAL_FORM_SHORT.get(" ".join(tokens), "".join(tokens)))
    for term in EXTRA_LEGAL_FORMS:
        tokens = tuple(term.split())
        forms[tokens] = LEGAL_FORM_SHORT.get(term, "".join(tokens))
    for short, codes in _EXTRA_FORM_COUNTRIES.items():
        countries.setdefault(short, set()).update(codes.split())
    # Words that are legal forms somewhere but far more often part of a name.
    for word in ("international", "group", "co", "company", "and", "partners"):
        forms.pop((word,), None)
    return forms, {k: frozenset(v) for k, v in countries.items()}, max(map(len, forms))


LEGAL_FORMS: dict[tuple[str, ...], str] = {}
LEGAL_FORMS, LEGAL_FORM_COUNTRIES, _LONGEST_FORM = _legal_forms()


def _transliterate(word: str) -> str:
    for spelled, plain in _TRANSLITERATIONS:
        word = word.replace(spelled, plain)
    return word


def stem(word: str) -> str:
    """Plural and transliteration: 'stores' -> 'store', 'industries' -> 'industry',
    'mueller' -> 'muller'. Digits and short words are kept as they are."""
    word = ABBREVIATIONS.get(word, word)
    if len(word) > 3 and word.isalpha():
        if word.endswith("ies"):
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    return _transliterate(word)


def skeleton(word: str) -> str:
    """The first letter and the consonants, repeats collapsed: 'siemens', 'seimens' and
    'siemans' -> 'smns'. A typo in a vowel, a swapped pair of vowels or a doubled letter
    keeps it; a blocking key for typos."""
    return word[0] + _REPEATS.sub(r"\1", _VOWELS.sub("", word[1:]))


@dataclass(frozen=True, slots=True)
class Name:
    """A company name taken apart (``analyze``)."""

    words: tuple[str, ...]  # distinctive words in order (legal forms, noise, countries out)
    countries: frozenset  # ISO codes of the country words in the name
    regions: frozenset  # region words (nordic, europe ...)
    legal_form: str  # short form ('gmbh', 'ab', 'sas'), '' when none
    numbers: tuple[str, ...]  # the numbers in the name ("Filial 12")
    initials: str = ""  # of all its words, repeated ones too

    @property
    def joined(self) -> str:
        return "".join(self.words)

    @property
    def acronym(self) -> str:
        """Initials of the distinctive words (two or more): 'ibm' for International
        Business Machines; '' otherwise."""
        return self.initials

    @property
    def legal_countries(self) -> frozenset:
        return LEGAL_FORM_COUNTRIES.get(self.legal_form, frozenset())


def _strip_forms(tokens: list[str]) -> tuple[list[str], str]:
    """Legal forms off both ends (repeatedly: 'GmbH & Co. KG', 'AB (publ)', 'Oy ... Ab'),
    never the whole name; the outermost form at the end wins, else the one at the start."""
    found_end = found_start = ""
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for n in range(min(_LONGEST_FORM, len(tokens) - 1), 0, -1):
            short = LEGAL_FORMS.get(tuple(tokens[-n:]))
            if short is not None:
                # the outermost form is the entity's ("ScaniaCV AB": AB, not CV)
                tokens, found_end, changed = tokens[:-n], found_end or short, True
                break
    if len(tokens) > 1:
        for n in range(min(_LONGEST_FORM, len(tokens) - 1), 0, -1):
            short = LEGAL_FORMS.get(tuple(tokens[:n]))
            if short is not None and short not in ("and",):
                tokens, found_start = tokens[n:], short
                break
    return tokens, found_end or found_start


@lru_cache(maxsize=200_000)
def analyze(name: str) -> Name:
    tokens = _fold_text(name or "").split()
    tokens = [t for t in tokens if t not in ("and", "the", "och", "und")] or tokens
    if len(tokens) > 1 and tokens[0].endswith("aktiebolaget"):
        tokens = tokens[1:]  # "Telefonaktiebolaget LM Ericsson": a legal form in a compound
    tokens, legal_form = _strip_forms(tokens)
    words: list[str] = []
    countries: set[str] = set()
    regions: set[str] = set()
    numbers: list[str] = []
    for i, token in enumerate(tokens):
        if token.isdigit():
            numbers.append(token)
        if token in COUNTRY_WORDS and i > 0:
            # A country word after the brand names the national company (Bosch France);
            # the first word is the name itself (Deutsche Bank, Nippon Steel).
            # "United Kingdom", "New Zealand": the second word is the country's.
            if token in ("united", "kingdom") and "kingdom" not in tokens:
                words.append(stem(token))
                continue
            countries.add(COUNTRY_WORDS[token])
            continue
        if token in REGION_WORDS and len(tokens) > 1:
            # kept as a (common) word too: "Nordic Byg" is not the name "Byg"
            regions.add(token)
        expanded = ABBREVIATIONS.get(token, token)
        if expanded in NOISE_WORDS and len(tokens) > 1:
            continue
        words.append(stem(token))
    if not words:
        # A name of noise or country words only ("Group France"): keep them as the name.
        words = [stem(t) for t in tokens if t not in NOISE_WORDS] or [stem(t) for t in tokens]
    # the same word twice ("Johnson & Johnson") counts once, but not in the initials ("JJ")
    acronym = "".join(w[0] for w in words) if len(words) >= 2 else ""
    return Name(
        words=tuple(dict.fromkeys(w for w in words if w)),
        countries=frozenset(countries),
        regions=frozenset(regions),
        legal_form=legal_form,
        numbers=tuple(numbers),
        initials=acronym,
    )


def domain_words(domain_key: str) -> tuple[str, str]:
    """The registrable domain's label, as a joined word and as its stem: 'robert-bosch.com'
    -> ('robertbosch', 'robertbosch'); 'volvia.de' -> ('volvia', 'volvia')."""
    label = domain_key.split(".", 1)[0] if domain_key else ""
    joined = _NON_ALNUM.sub("", label)
    return joined, stem(joined) if joined else ""
