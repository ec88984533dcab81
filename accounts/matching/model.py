"""The pair model: how strongly two customer records say "one group", and whether they are
one legal entity.

Fellegi–Sunter, as in Splink: each comparison (registration number, web domain, name) falls
into one level; a level has an m probability (how often pairs of one group fall into it) and
a u probability (how often two unrelated records of the tenant do), and adds
``log2(m / u)`` to the score. The name levels are term-frequency adjusted: their u is the
frequency in the tenant of the rarest word the two names share (``u = df / N``, never below
the word's frequency in company names at large, ``background``), so a shared "Bosch" weighs
much and a shared "Nordic" little. The prior is ``log2(K / N)`` (K: how many records of its
group a record has, on average): with the term-frequency weights ``log2(m N / df)`` the
score no longer depends on the size of the tenant.

m and u per level and the thresholds are estimated (``accounts.matching.estimate``: m from a
labelled set, u from the tenant's own pairs) and kept in ``params.py``.

Entity versus group is a decision on top of a group match: one entity when the registration
numbers are equal, or when the two are in the same country with no conflicting number,
country word, region word, legal form or domain and the same name once legal forms and noise
are gone (word order, abbreviations, joined words and typos allowed). Different countries,
two numbers of one register, a country word or another legal form make two entities of one
group.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz.distance import OSA

from accounts.matching import params
from accounts.matching.keys import registrations_differ
from accounts.matching.names import Name, analyze, domain_words, stem

# Words frequent in company names everywhere: in a small tenant they may look rare, but a
# shared "Systems" or "Nordic" says little. Their frequency among company names at large
# (an order of magnitude, from business registers) bounds their u from below.
_COMMON = (
    "service solution system technology technologies international global consulting "
    "management trading partner capital invest investment energy engineering industry "
    "product logistic transport software data digital network communication "
    "telecommunication media marketing finance financial bank insurance health care "
    "medical pharmaceuticals food foods retail store shop construction building property "
    "real estate development design manufacturing machine machinery equipment electric "
    "electronic power steel metal chemicals plastic paper packaging automotive motor "
    "auto car truck air water oil gas green new first general united national american "
    "north south east west central euro inter trans tech pro plus one star sun city home "
    "office business commercial industrial supply distribution import export agency "
    "center research laboratories science scientific health life bio nordic scandinavian "
    "europe european asia pacific baltic atlantic alpha beta omega delta royal standard "
    "universal world smart line net web link direct quality premium select best top "
    "associate brothers family son sons & store markets market farm agri textile fashion "
    "home house hotel travel security safety clean service facility print printing "
    "mining marine shipping port airline air rail bus fleet leasing rental sales "
    "solutions systems services technologies products industries partners "
    # the same in the languages national companies are named in
    "bau bygg byg rakennus construcciones costruzioni construcoes budownictwo "
    "palvelut tjenester dienstleistungen servizi servicios serwis servicos "
    "logistik logistikk logistica logistique spedycja spedition transporte trasporti "
    "konepaja maskin maschinenbau meccanica mecanica mekaniska verkstad werkzeug "
    "systemy sistemas sistemi systeme handel comercial commerciale industrie industria "
    "technik tecnologia teknik tekniikka elektro elektrik electrica energia energie "
    "lebensmittel livsmedel alimentos alimentari beratung consult konsult versicherung "
    "banca banco sparkasse nord norte sud sur syd ost est ouest west pohjois etela "
    "impianti installationen instalaciones metall metalli stahl acciai papier papel "
    "chemie quimica kemi pharma farma medizin medica auto automobile fahrzeug "
    "immobilien inmobiliaria immobiliare fastigheter kiinteisto hotel hotels reise viaggi"
)
# stemmed as the words of names are ("Solutions" -> "solution")
BACKGROUND = {stem(word): 1 / 100 for word in _COMMON.split(" ") if word}
SHORT_WORD = 1 / 300  # words of one or two letters ("ab", "hm"): often initials of others
DEFAULT_BACKGROUND = 1 / 1_000_000  # any other word: as rare as the tenant says


def background(word: str) -> float:
    if len(word) <= 2 and word.isalpha():  # "3M" is a name, "AB" or "HM" could be anything
        return max(BACKGROUND.get(word, 0.0), SHORT_WORD)
    return BACKGROUND.get(word, DEFAULT_BACKGROUND)


@dataclass(frozen=True, slots=True)
class Record:
    """One customer record as the matcher sees it. ``id`` > 0 is a subsidiary; a global
    account takes part with ``id = -its id`` and no country (its name and website are
    evidence of its group)."""

    id: int
    name: str
    country: str = ""
    registration_key: str = ""
    domain_key: str = ""
    global_account_id: int | None = None

    @property
    def is_account(self) -> bool:
        return self.id < 0

    @property
    def parsed(self) -> Name:
        return analyze(self.name)


@dataclass
class Comparison:
    score: float  # log2 odds of "same group"
    levels: dict[str, str]
    adjustment: float = 0.0  # the part of the score that is not a level weight
    evidence: list[str] = field(default_factory=list)
    same_entity: bool = False

    @property
    def probability(self) -> float:
        return 1 / (1 + 2 ** (-self.score))


# --- name comparison ----------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")


def _close(a: str, b: str) -> bool:
    """One typo (two in long words) in a word of five letters or more; the first letter
    right (it is seldom mistyped, and 'Volvia'/'Kolvia' are two brands)."""
    if a[0] != b[0] or min(len(a), len(b)) < 5 or a.isdigit() or b.isdigit():
        return False
    if _DIGITS.findall(a) != _DIGITS.findall(b):
        return False  # "Filial12" and "Filial13" are two, however close they look
    # two edits only in long words of about one length: "Elektronik" / "Elektrik" differ
    budget = 2 if min(len(a), len(b)) >= 9 and abs(len(a) - len(b)) <= 1 else 1
    return OSA.distance(a, b, score_cutoff=budget) <= budget


@dataclass
class NameMatch:
    level: str  # "equal", "equal_typo", "acronym", "subset", "overlap", "none"
    shared: list[str]  # the words both names carry (as in the first name)
    typos: list[tuple[str, str]]
    extra_a: list[str]
    extra_b: list[str]
    joined: bool = False


def _pair_words(a: tuple[str, ...], b: tuple[str, ...]) -> NameMatch:
    """Which words of two names correspond: equal, one typo apart, or one name's word
    written as two words of the other (Wal Mart / Walmart, ScaniaCV / Scania CV)."""
    left, right = list(a), list(b)
    shared: list[str] = []
    typos: list[tuple[str, str]] = []
    joined = False
    for word in list(left):
        if word in right:
            shared.append(word)
            left.remove(word)
            right.remove(word)
    # joined / split words: a word of one equals two or three neighbouring words of the other
    for one, other, into_left in ((left, right, True), (right, left, False)):
        for word in list(one):
            if len(word) < 4:
                continue
            source = b if into_left else a
            for n in (2, 3):
                for i in range(len(source) - n + 1):
                    parts = source[i : i + n]
                    if "".join(parts) == word and all(p in other for p in parts):
                        shared.append(word)
                        one.remove(word)
                        for p in parts:
                            other.remove(p)
                        joined = True
                        break
                else:
                    continue
                break
    for word in list(left):
        for cand in right:
            if _close(word, cand):
                typos.append((word, cand))
                shared.append(word)
                left.remove(word)
                right.remove(cand)
                break
    if not shared:
        level = "none"
    elif not left and not right:
        level = "equal_typo" if typos else "equal"
    elif not left or not right:
        level = "subset"
    else:
        level = "overlap"
    return NameMatch(level, shared, typos, left, right, joined)


def compare_names(a: Name, b: Name) -> NameMatch:
    match = _pair_words(a.words, b.words)
    if match.level in ("equal", "equal_typo"):
        return match
    # One name is (or holds) the other's initials: IBM / International Business Machines,
    # "Nihon IBM" / "Intl Business Machines".
    for x, y in ((a, b), (b, a)):
        acronym = y.acronym
        if 2 <= len(acronym) <= 6 and acronym in x.words and len(x.words) <= 2:
            return NameMatch("acronym", [acronym], [], [w for w in x.words if w != acronym], [])
    # The whole name joined: "Wal Mart Store" / "Walmart" share nothing word by word.
    if match.level == "none" and a.joined == b.joined and len(a.joined) >= 5:
        return NameMatch("equal", [a.joined], [], [], [], joined=True)
    return match


# --- the score ----------------------------------------------------------------------------


def _weight(kind: str, level: str) -> float:
    m, u = params.M[kind][level], params.U[kind][level]
    return math.log2(m / u)


def word_u(word: str, df: dict[str, int], n: int) -> float:
    """How likely an unrelated record carries ``word``: its frequency among the tenant's
    records beyond ``params.GROUP_ALLOWANCE`` of them (the records of its own group, which
    make a brand look common in a small tenant), never below its frequency in company names
    at large (``background``)."""
    return max(background(word), (df.get(word, 1) - params.GROUP_ALLOWANCE) / max(n, params.MIN_N))


def _tf_weight(words: list[str], df: dict[str, int], n: int) -> float:
    """The term-frequency adjustment of a name level, in bits: the u of the shared words
    against ``params.TF_REFERENCE`` (the u the level weights stand for). The rarest word
    counts fully, each further one by the square root of its u (words of one name are not
    independent: "General Electric" is rarer than "General" or "Electric", but not by
    their product)."""
    us = sorted(word_u(w, df, n) for w in words)
    u = us[0]
    for other in us[1:]:
        u *= math.sqrt(other)
    return min(params.TF_MAX, max(params.TF_MIN, -math.log2(u / params.TF_REFERENCE)))


def _domain_level(a: Record, b: Record, an: Name, bn: Name) -> str:
    if a.domain_key and b.domain_key:
        if a.domain_key == b.domain_key:
            return "equal"
        if domain_words(a.domain_key)[0] == domain_words(b.domain_key)[0]:
            return "label"  # volvia.de / volvia.fr
    for rec, own, other in ((a, an, bn), (b, bn, an)):
        joined, label = domain_words(rec.domain_key)
        if len(joined) < 3 or joined in (own.joined, own.acronym) or label in own.words:
            continue  # the domain only repeats its own name: no evidence beyond the name
        if joined in (other.joined, other.acronym) or label in other.words:
            return "label_name"  # dhl.com for "Deutsche Post AG" ~ "DHL Express"
    if a.domain_key and b.domain_key:
        # Two domains that both carry a word of the two names, or one label inside the
        # other: siemens.com / siemens-healthineers.com, henkel.com / henkel-northamerica.com
        left, right = domain_words(a.domain_key)[0], domain_words(b.domain_key)[0]
        if len(left) >= 3 and len(right) >= 3 and (left in right or right in left):
            return "related"
        shared = set(an.words) & set(bn.words)
        if any(len(w) >= 3 and w in left and w in right for w in shared):
            return "related"
        return "differ"
    return "missing"


def _registration_level(a: Record, b: Record) -> str:
    if a.registration_key and a.registration_key == b.registration_key:
        return "equal"
    if registrations_differ(a.registration_key, b.registration_key):
        return "differ"
    return "missing"


def compare(a: Record, b: Record, df: dict[str, int], n: int) -> Comparison:
    """Score and evidence of one pair. ``df``: document frequency of the name words in the
    tenant (records carrying the word); ``n``: the tenant's number of records."""
    an, bn = a.parsed, b.parsed
    n = max(n, 1)
    levels = {
        "registration": _registration_level(a, b),
        "domain": _domain_level(a, b, an, bn),
    }
    names = compare_names(an, bn)
    levels["name"] = names.level
    evidence: list[str] = []
    score = 0.0
    if names.level != "none":
        score += _tf_weight(names.shared, df, n)
        # Distinctive words only one of the two names has: the rarer, the likelier another
        # company ("Nordic Steel" / "Nordic Stone").
        # Only when both names have words of their own: one name holding more words than
        # the other ("Sandvik" / "AB Sandvik Coromant") is how subsidiaries are named.
        extras = names.extra_a + names.extra_b if names.extra_a and names.extra_b else []
        if extras:
            rare = min(_tf_weight([w], df, n) for w in extras)
            score -= params.EXTRA_WORD_PENALTY * max(rare, 0.0)
    if an.numbers != bn.numbers and an.numbers and bn.numbers:
        score += params.NUMBERS_DIFFER  # "Filial 12" / "Filial 13"
    adjustment = score
    score += params.BASE + _weight("registration", levels["registration"])
    score += _weight("domain", levels["domain"]) + _weight("name", names.level)

    # evidence in words
    if levels["registration"] == "equal":
        evidence.append(f"same registration number {a.registration_key}")
    elif levels["registration"] == "differ":
        evidence.append("different registration numbers of one register")
    if levels["domain"] == "equal":
        evidence.append(f"same domain {a.domain_key}")
    elif levels["domain"] == "label":
        evidence.append(f"same domain name {a.domain_key} / {b.domain_key}")
    elif levels["domain"] == "related":
        evidence.append(f"related domains {a.domain_key} / {b.domain_key}")
    elif levels["domain"] == "label_name":
        evidence.append(
            "domain "
            + " / ".join(d for d in (a.domain_key, b.domain_key) if d)
            + " matches the name"
        )
    if names.level != "none":
        words = sorted(names.shared, key=lambda w: df.get(w, 1))
        rarity = ", ".join(
            f"'{w}' ({'rare' if _tf_weight([w], df, n) > 0 else 'common'})" for w in words[:3]
        )
        text = {
            "equal": "same name",
            "equal_typo": "same name but for a typo",
            "acronym": "one name is the other's initials",
            "subset": "one name contains the other",
            "overlap": "names share words",
        }[names.level]
        if names.joined:
            text += " (joined or split words)"
        evidence.append(f"{text}: {rarity}")
        if names.typos:
            evidence.append("typo " + ", ".join(f"{x}/{y}" for x, y in names.typos))
    countries = _countries(a, an, b, bn)
    if countries:
        evidence.append(countries)
    comparison = Comparison(score=score, levels=levels, adjustment=adjustment, evidence=evidence)
    comparison.same_entity = same_entity(a, b, an, bn, names, levels)
    return comparison


def _countries(a: Record, an: Name, b: Record, bn: Name) -> str:
    parts = []
    if a.country and b.country and a.country != b.country:
        parts.append(f"{a.country} and {b.country} records")
    if an.countries != bn.countries:
        words = sorted(an.countries | bn.countries)
        parts.append("country words " + "/".join(words))
    if an.legal_form and bn.legal_form and an.legal_form != bn.legal_form:
        parts.append(f"legal forms {an.legal_form.upper()} and {bn.legal_form.upper()}")
    return "; ".join(parts)


def same_entity(
    a: Record, b: Record, an: Name, bn: Name, names: NameMatch, levels: dict[str, str]
) -> bool:
    """One legal entity entered twice (the remedy is a merge, so only on strong grounds)."""
    if a.is_account or b.is_account:
        return False
    if levels["registration"] == "equal":
        return True
    if levels["registration"] == "differ":
        return False
    if not a.country or a.country != b.country:
        return False
    if an.countries != bn.countries or an.regions != bn.regions or an.numbers != bn.numbers:
        return False
    if an.legal_form and bn.legal_form and an.legal_form != bn.legal_form:
        return False
    if names.level in ("equal", "equal_typo", "acronym"):
        return True
    # One website, one country, one name holding the other ("H&M" / "H & M Hennes &
    # Mauritz AB", "Koninklijke Philips" / "Philips Electronics N.V."): the short name of
    # the same company.
    return levels["domain"] == "equal" and names.level == "subset"


# --- cached per record --------------------------------------------------------------------


@dataclass
class Scored:
    """A pair above the group threshold."""

    a: int
    b: int
    comparison: Comparison

    @cached_property
    def key(self) -> tuple[int, int]:
        return (min(self.a, self.b), max(self.a, self.b))
