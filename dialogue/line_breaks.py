"""Where a line of a title may break, for text drawn in a picture (the share
cards, dialogue/share_cards.py): between words, between Japanese characters,
never inside a character with its accents, and by the Japanese rules of which
characters may not start or end a line."""

import unicodedata

#: Characters that never start a line, and characters that never end one (the
#: Japanese rules, kinsoku, and their Latin counterparts).
NO_BREAK_BEFORE = frozenset(
    "、。，．・：；？！）」』】〉》〕ーぁぃぅぇぉっゃゅょァィゥェォッャュョ…‥,.:;!?)]}»”’"
)
NO_BREAK_AFTER = frozenset("（「『【〈《〔([{«“‘")


def _joins_previous(char):
    """Whether ``char`` belongs to the glyph before it: a combining mark, a
    variation selector, a zero-width joiner, an emoji skin tone."""
    return (
        unicodedata.combining(char)
        or unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char == "\u200d"
        or "\ufe00" <= char <= "\ufe0f"
        or "\U000e0100" <= char <= "\U000e01ef"
        or "\U0001f3fb" <= char <= "\U0001f3ff"
    )


def clusters(text):
    """``text`` cut into the smallest pieces a line may break between: a
    character with the marks that go with it (never half a glyph)."""
    pieces = []
    for char in text:
        if pieces and (_joins_previous(char) or pieces[-1].endswith("\u200d")):
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


def _is_wide(char):
    """Han, kana and other scripts written without spaces, where a line may break
    between any two characters."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def _may_break(before, after):
    if after[0] in NO_BREAK_BEFORE or before[-1] in NO_BREAK_AFTER:
        return False
    return _is_wide(before[-1]) or _is_wide(after[0])


def words(text):
    """The title's unbreakable runs, with ``" "`` where a space was."""
    runs, current = [], ""
    for piece in clusters(text):
        if piece.isspace():
            if current:
                runs.append(current)
                current = ""
            if runs and runs[-1] != " ":
                runs.append(" ")
        elif current and _may_break(current, piece):
            runs.append(current)
            current = piece
        else:
            current += piece
    if current:
        runs.append(current)
    if runs and runs[-1] == " ":
        runs.pop()
    return runs


def wrap(text, font, width, max_lines):
    """Lines of ``text`` no wider than ``width`` in ``font``, broken at spaces,
    between Japanese characters, or (a word wider than a line) between glyphs;
    stops after ``max_lines + 1`` lines, which is already too many."""

    def fits(line):
        return font.getlength(line) <= width

    lines, line, space = [], "", False
    for run in words(text):
        if run == " ":
            space = bool(line)
            continue
        candidate = f"{line} {run}" if space else line + run
        space = False
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
            if len(lines) > max_lines:
                return lines
        line = ""
        for piece in clusters(run):
            if line and not fits(line + piece):
                lines.append(line)
                if len(lines) > max_lines:
                    return lines
                line = ""
            line += piece
    if line:
        lines.append(line)
    return lines


def ellipsised(line, font, width):
    """``line`` with "…" at its end, shortened glyph by glyph until it fits."""
    pieces = clusters(line.rstrip())
    while pieces:
        text = "".join(pieces).rstrip() + "…"
        if font.getlength(text) <= width:
            return text
        pieces.pop()
    return "…"
