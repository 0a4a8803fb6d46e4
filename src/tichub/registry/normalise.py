"""One normal form for names typed by people: the key that scope rows, aliases and searches share."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Brackets and separators people use interchangeably in Chinese and English scope tables.
_PUNCTUATION = str.maketrans({"（": "(", "）": ")", "，": ",", "；": ";", "：": ":", "、": ","})


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case, unified punctuation, single spaces, trimmed."""
    text = unicodedata.normalize("NFKC", text or "").translate(_PUNCTUATION).lower()
    return _SPACES.sub(" ", text).strip()
