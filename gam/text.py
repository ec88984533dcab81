"""Text folding shared by search and matching: accents, letters without a decomposition,
case and word splitting. Nothing here knows about companies (legal forms, country words and
abbreviations are customer matching, in ``accounts.matching``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that NFKD does not decompose into a base letter and a combining mark: spelled out
# the way they are written on a keyboard without them (Straße -> Strasse, Ørsted -> Orsted,
# Łódź -> Lodz, Æon -> Aeon, Œuvre -> Oeuvre, Đakovo -> Dakovo, Þór -> Thor).
_SPELLED = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
        "ħ": "h",
        "Ħ": "H",
        "ŋ": "n",
        "Ŋ": "N",
        "ĸ": "k",
        "ſ": "s",
    }
)
_WORDS = re.compile(r"[^\W_]+")


def strip_accents(text: str) -> str:
    """'Wärtsilä Ørsted Straße' -> 'Wartsila Orsted Strasse': combining marks dropped,
    letters without a decomposition spelled out. Case is kept."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Accents stripped and case folded: the form two spellings of one word share."""
    return strip_accents(text).casefold()


def split_words(text: str) -> list[str]:
    """The words of ``text`` (letters and digits; punctuation and underscores split)."""
    return _WORDS.findall(text)


def fold_words(text: str) -> list[str]:
    """``split_words`` of the folded text: 'Wal-Mart Stores, Inc.' -> ['wal', 'mart',
    'stores', 'inc']."""
    return _WORDS.findall(fold(text)) if text else []
