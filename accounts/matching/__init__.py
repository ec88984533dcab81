"""Customer matching: keys that find the same company entered twice (``keys``), what a
company name says (``names``), the pair model that weighs the evidence (``model``) and group
discovery by blocking and clustering (``groups``). The public names are re-exported here."""

from accounts.matching.keys import (
    FUZZY_MIN_LENGTH,
    NAME_MATCH_THRESHOLD,
    NAME_TYPOS,
    NOISE_WORDS,
    PLACE_WORDS,
    SHARED_DOMAINS,
    CompanyRow,
    MatchingKeys,
    account_match_keys,
    domain_label,
    duplicate_reasons,
    matching_keys,
    name_block,
    names_match,
    normalize_name,
    normalize_registration,
    place_words,
    registrable_domain,
    registrations_differ,
    typo_block,
)

__all__ = [
    "FUZZY_MIN_LENGTH",
    "NAME_MATCH_THRESHOLD",
    "NAME_TYPOS",
    "NOISE_WORDS",
    "PLACE_WORDS",
    "SHARED_DOMAINS",
    "CompanyRow",
    "MatchingKeys",
    "account_match_keys",
    "domain_label",
    "duplicate_reasons",
    "matching_keys",
    "name_block",
    "names_match",
    "normalize_name",
    "normalize_registration",
    "place_words",
    "registrable_domain",
    "registrations_differ",
    "typo_block",
]
