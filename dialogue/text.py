"""Text as search compares it: one folding, used when a record is saved or imported
(its ``search_text``) and on the words a visitor searches for.

Names come in any script ("Gemba", "Гемба", "玄葉") and Unicode form (full-width
letters, a macron typed as a separate combining mark): Unicode NFKC normalisation
makes those forms one, and ``str.casefold`` ignores case in every script, not only
ASCII. Kept apart from the models and from search so both can import it.
"""

import unicodedata


def fold(text):
    """``text`` as search compares it: NFKC-normalised, then case-folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def sort_key(text):
    """``text`` as the people index sorts it: folded, then without accents or
    voicing marks ("Ōno" sorts as "ono", between "Okada" and "Ozawa")."""
    decomposed = unicodedata.normalize("NFKD", fold(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


#: The index's groups besides the letters a–z, with the headings they show.
SCRIPT_GROUPS = {
    "cyrillic": "Cyrillic",
    "japanese": "Japanese",
    "other": "Other",
}


def script_of(ch):
    code = ord(ch)
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x31F0 <= code <= 0x31FF  # katakana extensions
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK ideographs
    ):
        return "japanese"
    return "other"


def initial_group(text):
    """The people index's group for a name: the first letter of its sort key
    when that is a Latin letter (accents dropped: "Ōno" is under O), else its
    script's group ("cyrillic", "japanese") or "other" (digits, other scripts, no
    letter at all).

    One group for each non-Latin script rather than a letter each: names are
    recorded as most often written in English, so a Cyrillic or Japanese initial
    is rare, and thirty-three Cyrillic letters plus thousands of kanji would
    bury the A–Z under links to one or two people each.
    """
    key = sort_key(text)
    first = next((ch for ch in key if ch.isalnum()), "")
    if "a" <= first <= "z":
        return first
    return script_of(first) if first else "other"
