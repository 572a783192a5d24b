"""Why a search result matched: its words marked (``<mark>``) where they were found.

Search compares folded text (:func:`dialogue.text.fold`: NFKC, then case-folded),
so the words found are rarely spelled as the record has them: "tokyo" is found in
"Tokyo", "ＴＯＫＹＯ" and "Ｔｏｋｙｏ", "kōichirō" in "Ko\u0304ichiro\u0304" (a
letter and a combining macron). To mark them in the record's own text, the text
is cut into clusters (a character with the combining marks after it, which NFKC
may compose into one), each folded on its own; the folded clusters joined are
the folded text, so a match in it is a run of whole clusters, whose places in
the original are known. When a text folds differently in pieces than whole (a
rare composition across clusters, such as Hangul jamo), the match is found but
left unmarked rather than marked in the wrong place.

Safety: the record's text is escaped piece by piece and only the ``<mark>`` tags
this module writes are markup (``markupsafe``), so a name or summary holding a
script tag shows as text.
"""

import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

from .text import fold

#: Characters of context kept before and after the first match in a snippet.
CONTEXT_BEFORE = 60
CONTEXT_AFTER = 120
ELLIPSIS = "…"

# Marks NFKC composes with the character before them though they are not
# combining marks (half-width katakana voicing marks).
_COMPOSING = {"\uff9e", "\uff9f"}


def clusters(text):
    """``text`` cut before each character that starts a new letter: its pieces
    are each a character and the marks that belong to it."""
    pieces = []
    for ch in text:
        if pieces and (unicodedata.combining(ch) or ch in _COMPOSING):
            pieces[-1] += ch
        else:
            pieces.append(ch)
    return pieces


def find(text, needle):
    """The ``(start, end)`` places in ``text`` where the folded ``needle`` is found
    (folded), without overlaps; empty when it is not or cannot be placed."""
    if not text or not needle:
        return []
    pieces = clusters(text)
    folded = [fold(piece) for piece in pieces]
    joined = "".join(folded)
    if joined != fold(text):
        return []
    # Where each folded piece starts, and where each piece starts in the text.
    folded_starts, text_starts = [], []
    at_folded = at_text = 0
    for piece, folded_piece in zip(pieces, folded, strict=True):
        folded_starts.append(at_folded)
        text_starts.append(at_text)
        at_folded += len(folded_piece)
        at_text += len(piece)
    folded_starts.append(at_folded)
    text_starts.append(at_text)

    def piece_at(offset):
        """The piece whose folded text holds ``offset``."""
        low, high = 0, len(pieces) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if folded_starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low

    places, start = [], joined.find(needle)
    while start != -1:
        first, last = piece_at(start), piece_at(start + len(needle) - 1)
        places.append((text_starts[first], text_starts[last + 1]))
        start = joined.find(needle, folded_starts[last + 1])
    return places


def marked(text, places, start=0, end=None):
    """``text[start:end]`` escaped, with each of ``places`` in ``<mark>``."""
    end = len(text) if end is None else end
    parts, at = [], start
    for place_start, place_end in places:
        if place_end <= start or place_start >= end:
            continue
        place_start, place_end = max(place_start, start), min(place_end, end)
        parts.append(escape(text[at:place_start]))
        parts.append(Markup("<mark>%s</mark>") % text[place_start:place_end])
        at = place_end
    parts.append(escape(text[at:end]))
    return Markup("").join(parts)


def highlight(text, needle):
    """All of ``text``, escaped, with the needle marked where it is found."""
    return marked(text, find(text, needle))


def excerpt(text, needle):
    """Part of ``text`` around the first place the needle is found, cut at spaces,
    marked; None when it is not found there."""
    places = find(text, needle)
    if not places:
        return None
    first_start, first_end = places[0]
    start = max(0, first_start - CONTEXT_BEFORE)
    end = min(len(text), first_end + CONTEXT_AFTER)
    if start > 0:
        space = text.find(" ", start, first_start)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", first_end, end)
        end = space if space != -1 else end
    snippet = marked(text, places, start, end)
    before = ELLIPSIS if start > 0 else ""
    after = ELLIPSIS if end < len(text) else ""
    return Markup("%s%s%s") % (before, snippet, after)


@dataclass
class Match:
    """Why a result was found: its title marked, and where else the words are
    (``field``, ``snippet``), when not in the title."""

    title: Markup
    field: str = ""
    snippet: Markup | None = None


def explain(title, fields, needle):
    """A :class:`Match` for a result shown by ``title``: the title marked, and the
    first of ``fields`` (``(label, text)`` pairs, in the order search reads them)
    that holds the words, unless the title does."""
    match = Match(title=highlight(title, needle))
    if find(title, needle):
        return match
    for label, text in fields:
        snippet = excerpt(text, needle)
        if snippet is not None:
            match.field, match.snippet = label, snippet
            break
    return match
