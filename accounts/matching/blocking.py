"""Blocking keys of a customer record (see ``accounts.matching.groups``): stored on each
subsidiary and global account (``match_keys``) so that the scan groups them in SQL and the
incremental check finds a record's candidates by index."""

from __future__ import annotations

from accounts.matching.names import analyze, domain_words, skeleton

# Consonant skeletons as typo keys ("s:"): off. On the scale benchmark's dense synthetic
# brands one skeleton in five collided, and comparing those pairs cost more than the whole
# scan budget; typos are still compared (``model._close``) in pairs another key blocks.
SKELETONS = False
# Two-letter initials ("GE", "BP") are shared by a great many names: compared when another
# key brings two records together (a domain), never a block of their own.
MIN_ACRONYM = 3


def blocking_keys(name: str, registration_key: str = "", domain_key: str = "") -> list[str]:
    parsed = analyze(name)
    keys: set[str] = set()
    words = [w for w in parsed.words if len(w) >= 2 and not w.isdigit()]
    for word in words:
        keys.add(f"w:{word}")
        if len(word) >= 6 and SKELETONS:
            keys.add(f"s:{skeleton(word)}")
    if len(parsed.words) >= 2:
        keys.add(f"j:{parsed.joined}")
        for left, right in zip(parsed.words, parsed.words[1:], strict=False):
            keys.add(f"j:{left}{right}")
        if MIN_ACRONYM <= len(parsed.acronym) <= 6:
            keys.add(f"a:{parsed.acronym}")
    elif len(words) == 1:
        keys.add(f"j:{words[0]}")
        if MIN_ACRONYM <= len(words[0]) <= 6:
            keys.add(f"a:{words[0]}")
    if words:
        # the name's word set: distinct word sets per word are its document frequency
        # (``groups.word_frequencies``), so a brand's many national companies named
        # "Brand" + legal form count once
        keys.add("n:" + ".".join(sorted(words)))
    if domain_key:
        keys.add(f"d:{domain_key}")
        joined, stem = domain_words(domain_key)
        if len(joined) >= 3:
            keys.add(f"j:{joined}")
            keys.add(f"w:{stem}")
    if registration_key:
        keys.add(f"r:{registration_key}")
    # The word set first: the scan reads it as the record's signature (``arr[1]``).
    return sorted((k[:100] for k in keys), key=lambda k: (not k.startswith("n:"), k))
