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
