"""ISO 3166 countries and ISO 4217 currencies: validating codes and reading a country the
way spreadsheets and CRM exports spell it ("FI", "FIN", "FINLAND", "Suomi", "Deutschland",
"UK", "United States").

The codes and names come from pycountry, which packages the Debian iso-codes data (kept up
to date with the ISO maintenance agency, with translations of every name). A hand list of
codes would go stale (new codes, withdrawn ones) and would not have the local names, which
exports from a Swedish or German CRM use. On top of it, ``ALIASES`` has the everyday
spellings that no standard lists (UK, USA, Holland, South Korea ...).
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Languages whose country names are recognized, besides English: the product's markets
# (Nordics, German, French, Benelux, southern and eastern Europe) and the languages CRM
# exports of those markets are written in.
NAME_LANGUAGES = (
    "sv", "de", "fr", "fi", "da", "nb_NO", "nn", "nl", "es", "it", "pt", "pl", "et", "lv",
    "lt", "cs", "sk", "hu", "is", "ja", "zh_CN",
)  # fmt: skip

# Spellings no standard lists, all folded (see ``fold``) -> ISO 3166-1 alpha-2. "UK" is the
# common mistake for GB (UK is reserved, not assigned); EL is the EU's code for Greece.
ALIASES = {
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "storbritannien": "GB",
    "england och wales": "GB",
    "grossbritannien": "GB",
    "angleterre": "GB",
    "royaume uni": "GB",
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "united states of america": "US",
    "america": "US",
    "amerika": "US",
    "etats unis": "US",
    "vereinigte staaten": "US",
    "holland": "NL",
    "the netherlands": "NL",
    "czech republic": "CZ",
    "tjeckien": "CZ",
    "tschechien": "CZ",
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "sydkorea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "ryssland": "RU",
    "vietnam": "VN",
    "turkey": "TR",
    "turkiye": "TR",
    "iran": "IR",
    "taiwan": "TW",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "syria": "SY",
    "laos": "LA",
    "moldova": "MD",
    "macedonia": "MK",
    "ivory coast": "CI",
    "uae": "AE",
    "emirates": "AE",
    "hong kong": "HK",
    "el": "GR",
    "suomi": "FI",
    "norge": "NO",
    "noreg": "NO",
    "danmark": "DK",
    "sverige": "SE",
    "island": "IS",
    "osterreich": "AT",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "belgie": "BE",
    "belgique": "BE",
    "espana": "ES",
    "italia": "IT",
    "polska": "PL",
    "eesti": "EE",
    "latvija": "LV",
    "lietuva": "LT",
    "nederland": "NL",
    "magyarorszag": "HU",
    "ceska republika": "CZ",
    "slovensko": "SK",
    "hrvatska": "HR",
    "nippon": "JP",
    "nihon": "JP",
    "brasil": "BR",
    "prc": "CN",
    "china mainland": "CN",
    "mainland china": "CN",
}

_SEPARATORS = re.compile(r"[^0-9a-z\u3000-\u9fff]+")


def fold(text: str) -> str:
    """Lower case, accents dropped, punctuation one space: "Côte d'Ivoire" -> "cote d ivoire"."""
    text = str(text or "").replace("ß", "ss").replace("ø", "o").replace("Ø", "O")
    text = text.replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _SEPARATORS.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Every folded spelling -> alpha-2: codes, English names, translated names, aliases.
    A spelling that two countries share in some language is left out (ambiguous)."""
    names: dict[str, str] = {}
    clashes: set[str] = set()

    def add(spelling: str, code: str) -> None:
        key = fold(spelling)
        if not key or key in clashes:
            return
        if names.get(key, code) != code:
            clashes.add(key)
            del names[key]
            return
        names[key] = code

    countries = list(pycountry.countries)
    for country in countries:
        for attr in ("name", "official_name", "common_name"):
            if value := getattr(country, attr, None):
                add(value, country.alpha_2)
    for language in NAME_LANGUAGES:
        try:
            translation = gettext.translation(
                "iso3166-1", pycountry.LOCALES_DIR, languages=[language]
            )
        except OSError:
            continue
        for country in countries:
            for attr in ("name", "official_name", "common_name"):
                if value := getattr(country, attr, None):
                    translated = translation.gettext(value)
                    if translated != value:
                        add(translated, country.alpha_2)
    names.update(ALIASES)
    # Codes last: a code is never shadowed by a name ("IS" is Iceland, "island" its
    # Swedish name).
    for country in countries:
        names[country.alpha_2.lower()] = country.alpha_2
        names[country.alpha_3.lower()] = country.alpha_2
    return names


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country given by code (alpha-2 or alpha-3), name in
    English or a common language, or alias; None when it is no country."""
    key = fold(text)
    if not key:
        return None
    return _names().get(key)


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=(code or "").upper())
    return getattr(country, "common_name", None) or getattr(country, "name", code) or code


def is_country_code(code: str) -> bool:
    return len(code or "") == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


def is_currency_code(code: str) -> bool:
    return len(code or "") == 3 and pycountry.currencies.get(alpha_3=code.upper()) is not None


@deconstructible
class CountryCodeValidator:
    """An assigned ISO 3166-1 alpha-2 code, upper case; "UK" suggests GB."""

    def __call__(self, value: str) -> None:
        if value and value == value.upper() and is_country_code(value):
            return
        suggestion = country_code(value or "")
        if suggestion and suggestion != value:
            raise ValidationError(
                _("%(value)s is not an ISO 3166 country code: use %(code)s (%(name)s)."),
                code="invalid",
                params={"value": value, "code": suggestion, "name": country_name(suggestion)},
            )
        raise ValidationError(
            _("%(value)s is not an ISO 3166 country code; use one such as SE, DE or FR."),
            code="invalid",
            params={"value": value},
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CountryCodeValidator)


@deconstructible
class CurrencyCodeValidator:
    """An ISO 4217 currency code, upper case."""

    def __call__(self, value: str) -> None:
        if value and value == value.upper() and is_currency_code(value):
            return
        raise ValidationError(
            _("%(value)s is not an ISO 4217 currency code; use one such as EUR, SEK or USD."),
            code="invalid",
            params={"value": value},
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CurrencyCodeValidator)
