"""Share cards: the picture a link preview shows for a page (``og:image``).

Every public page names its card in ``templates/base.html`` with
:func:`share_card`, which only builds an address (no drawing during the page's
request); the card itself is drawn by :func:`card_view` when a link preview asks
for it: 1200×630 PNG, the Dialogue's mark and name, and the page's title, wrapped
and shrunk to fit, ellipsised when even the smallest size cannot hold it.

The address. ``/share/<key>.png``, where the key is the card's title (and a flag
for private cards), signed with the site's secret (``django.core.signing``). So:

- a changed title is a new address and a new picture; an edit that leaves the
  title alone keeps the address, and the copies browsers and CDNs hold;
- nobody can have the site draw text it did not put in a page itself: a key not
  signed here is a 404. Text a visitor types (``?q=`` of the search and the people
  index) is never put on a card: those pages get the site's own card;
- the work is bounded: a title is cut to :data:`MAX_TITLE` characters before it is
  signed, a card is drawn (tens of milliseconds) at most once per font and title
  while the shared cache keeps it (:data:`CACHE_SECONDS`), and a repeat request
  with the card's ETag gets a 304 before anything is drawn.

The answer is ``public, max-age=31536000, immutable`` with a strong ETag: the
address names everything drawn (title and :data:`DESIGN`). With a fallback font
(below) the same address would draw better once the font is installed, so it is
kept an hour only.

Drafts. A draft's page (a scheduled record's too), an editor's preview of pending
changes, and every page shown to someone signed in (staff, whose lists and filters
may name drafts; such pages are never in the page cache) name a private card: the
flag is in its signed key. A private card is drawn only for signed-in staff, never
stored in the shared cache, and answered ``private, no-store``: a leaked address
shows visitors a 404, and no CDN or proxy keeps the picture. (The key is signed,
not encrypted, and holds the title: it appears only in pages visitors never get.)
Link previews fetch pages as visitors, so they always get the public card.

Fonts, from Debian packages: Noto Sans CJK (``apt-get install fonts-noto-cjk``)
has Latin, Cyrillic and Japanese. Without it the cards use DejaVu Sans (no
Japanese: those titles show empty boxes) or, failing that, Pillow's own font,
and a warning is logged once per process; never a 500.
"""

import base64
import binascii
import dataclasses
import hashlib
import io
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.urls import get_script_prefix, reverse
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from django.views.decorators.http import require_safe
from jinja2 import pass_context
from markupsafe import Markup
from PIL import Image, ImageDraw, ImageFont

from .line_breaks import ellipsised, wrap
from .page_cache import is_personal

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
#: Part of every key: change it when the drawing changes, and every card gets a
#: new address (browsers and CDNs keep the old ones for a year).
DESIGN = 1
#: Characters of a title kept in its key; a card shows far fewer.
MAX_TITLE = 200
#: How long the shared cache keeps a drawn card (seconds).
CACHE_SECONDS = 7 * 24 * 60 * 60
#: How long browsers and CDNs keep a card drawn with a fallback font.
FALLBACK_MAX_AGE = 60 * 60
SALT = "dialogue.share_cards"
#: Query parameters whose text a visitor types: a page with one gets the site's card.
FREE_TEXT = ("q",)

# The site's colours (static/css/site.css: --brand, --brand-2, --gold).
BRAND = (12, 59, 90)
BRAND_2 = (18, 80, 122)
GOLD = (224, 169, 58)
WHITE = (255, 255, 255)
PALE = (208, 222, 233)

MARGIN = 80
#: The title's box: below the mark, above the gold band.
TITLE_TOP, TITLE_BOTTOM = 190, 560
#: Title sizes tried, largest first; the last one ellipsises what does not fit.
TITLE_SIZES = (84, 76, 68, 62, 56, 50, 46)
LINE_SPACING = 1.3

NOTO = Path("/usr/share/fonts/opentype/noto")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
NOTO_FAMILY = "Noto Sans CJK JP"
INSTALL_HINT = "apt-get install fonts-noto-cjk"


@dataclasses.dataclass(frozen=True)
class Typeface:
    """The fonts a card is drawn with: a bold and a regular face, each a
    ``(file, index in a collection)``, or None for Pillow's own font."""

    name: str
    bold: tuple | None
    regular: tuple | None
    #: Whether it has Latin, Cyrillic and Japanese.
    complete: bool

    def font(self, size, bold=True):
        return _font(self.bold if bold else self.regular, size)


@lru_cache(maxsize=64)
def _font(face, size):
    if face is None:
        return ImageFont.load_default(size=size)
    path, index = face
    return ImageFont.truetype(path, size, index=index)


def _collection_index(path, family):
    """The index of ``family`` in a font collection (.ttc), or None."""
    for index in range(16):
        try:
            font = ImageFont.truetype(str(path), 12, index=index)
        except OSError:
            return None
        if font.getname()[0] == family:
            return index
    return None


def _noto():
    bold, regular = NOTO / "NotoSansCJK-Bold.ttc", NOTO / "NotoSansCJK-Regular.ttc"
    if not bold.is_file():
        return None
    bold_index = _collection_index(bold, NOTO_FAMILY)
    if bold_index is None:
        return None
    regular_index = (
        _collection_index(regular, NOTO_FAMILY) if regular.is_file() else None
    )
    regular_face = (str(bold), bold_index)
    if regular_index is not None:
        regular_face = (str(regular), regular_index)
    return Typeface(NOTO_FAMILY, (str(bold), bold_index), regular_face, complete=True)


def _dejavu():
    bold, regular = DEJAVU / "DejaVuSans-Bold.ttf", DEJAVU / "DejaVuSans.ttf"
    if not bold.is_file():
        return None
    regular_face = (str(regular), 0) if regular.is_file() else (str(bold), 0)
    return Typeface("DejaVu Sans", (str(bold), 0), regular_face, complete=False)


PILLOW_DEFAULT = Typeface("Pillow default", None, None, complete=False)


@lru_cache(maxsize=1)
def typeface():
    """The best typeface this machine has, looked up once per process."""
    try:
        found = _noto()
    except OSError:
        logger.exception("Could not read Noto Sans CJK")
        found = None
    if found is not None:
        return found
    found = _dejavu()
    if found is not None:
        logger.warning(
            "Share cards: Noto Sans CJK not found in %s; drawing with DejaVu Sans, "
            "which has no Japanese. Install it: %s",
            NOTO,
            INSTALL_HINT,
        )
        return found
    logger.warning(
        "Share cards: neither Noto Sans CJK (%s) nor DejaVu Sans (%s) found; drawing "
        "with Pillow's own font, which has Latin only. Install: %s",
        NOTO,
        DEJAVU,
        INSTALL_HINT,
    )
    return PILLOW_DEFAULT


class Fit(NamedTuple):
    font: object
    size: int
    lines: list
    line_height: int
    #: Whether the last line ends in "…" for what did not fit.
    cut: bool


def fit_title(title, face, width, height):
    """The largest of :data:`TITLE_SIZES` at which ``title`` fits the box; at the
    smallest size, the lines that fit, the last one ending in "…"."""
    for size in TITLE_SIZES:
        font = face.font(size)
        line_height = round(size * LINE_SPACING)
        max_lines = max(1, (height - size) // line_height + 1)
        if size != TITLE_SIZES[-1] and font.getlength(title) > width * max_lines:
            continue  # cannot fit at this size, however it breaks
        lines = wrap(title, font, width, max_lines)
        if len(lines) <= max_lines:
            return Fit(font, size, lines, line_height, cut=False)
    lines = lines[:max_lines]
    lines[-1] = ellipsised(lines[-1], font, width)
    return Fit(font, size, lines, line_height, cut=True)


# -- Drawing -------------------------------------------------------------------


def render_card(title, face=None):
    """The card of ``title``: PNG bytes, 1200×630."""
    face = face or typeface()
    image = Image.new("RGB", (WIDTH, HEIGHT), BRAND)
    draw = ImageDraw.Draw(image)
    # A lighter band on the right and the header's gold rule at the foot.
    draw.polygon(
        [(WIDTH - 330, 0), (WIDTH, 0), (WIDTH, HEIGHT), (WIDTH - 190, HEIGHT)],
        fill=BRAND_2,
    )
    draw.rectangle((0, HEIGHT - 14, WIDTH, HEIGHT), fill=GOLD)

    # The mark: "CA+J" on gold, as in the header, and the site's name beside it.
    mark_font = face.font(40)
    left, top, right, bottom = draw.textbbox(
        (0, 0), "CA+J", font=mark_font, anchor="ls"
    )
    pad_x, pad_y = 18, 14
    baseline = 70 + pad_y - top
    box = (MARGIN, 70, MARGIN + (right - left) + 2 * pad_x, baseline + bottom + pad_y)
    draw.rounded_rectangle(box, radius=10, fill=GOLD)
    draw.text(
        (MARGIN + pad_x - left, baseline),
        "CA+J",
        font=mark_font,
        fill=BRAND,
        anchor="ls",
    )
    name_font = face.font(34, bold=False)
    name_x = box[2] + 24
    name = _fitting(settings.SITE_NAME, name_font, WIDTH - MARGIN - name_x)
    draw.text(
        (name_x, (box[1] + box[3]) / 2), name, font=name_font, fill=PALE, anchor="lm"
    )

    width = WIDTH - 2 * MARGIN
    fit = fit_title(title, face, width, TITLE_BOTTOM - TITLE_TOP)
    # The lines centred in the box, each on its baseline.
    block = (len(fit.lines) - 1) * fit.line_height + fit.size
    y = TITLE_TOP + (TITLE_BOTTOM - TITLE_TOP - block) / 2 + fit.size * 0.88
    for line in fit.lines:
        draw.text((MARGIN, y), line, font=fit.font, fill=WHITE, anchor="ls")
        y += fit.line_height

    # A few colours with their anti-aliased edges: a palette of 64 keeps the
    # picture as drawn at a third of the bytes (and is quicker than optimize=True).
    paletted = image.quantize(
        64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    out = io.BytesIO()
    paletted.save(out, format="PNG")
    return out.getvalue()


def _fitting(text, font, width):
    return text if font.getlength(text) <= width else ellipsised(text, font, width)


def missing_glyphs(font, text):
    """The characters of ``text`` that ``font`` draws as its "missing glyph" box
    (.notdef): what a title shows as tofu."""
    notdef = font.getmask("\U000f0000")  # a private-use character no font has
    blank = (notdef.size, bytes(notdef))
    return [
        char
        for char in dict.fromkeys(text)
        if not char.isspace() and _mask(font, char) == blank
    ]


def _mask(font, char):
    mask = font.getmask(char)
    return (mask.size, bytes(mask))


# -- Keys and addresses --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Card:
    url: str
    alt: str
    width: int = WIDTH
    height: int = HEIGHT


def _signer():
    return signing.Signer(salt=SALT, sep=".")


def card_key(title, private=False):
    """The signed key of the card of ``title``; ``private`` for a page only staff
    see."""
    payload = {"t": title[:MAX_TITLE], "v": DESIGN}
    if private:
        payload["p"] = 1
    data = json.dumps(
        payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )
    encoded = base64.urlsafe_b64encode(data.encode()).rstrip(b"=").decode()
    return _signer().sign(encoded)


@dataclasses.dataclass(frozen=True)
class Wanted:
    title: str
    private: bool


def read_key(key):
    """The card a key asks for, or None for a key not signed here."""
    try:
        encoded = _signer().unsign(key)
        data = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        payload = json.loads(data.decode())
    except (signing.BadSignature, binascii.Error, ValueError):
        return None
    if not isinstance(payload, dict):
        return None
    title = payload.get("t")
    if not isinstance(title, str) or not title or len(title) > MAX_TITLE:
        return None
    return Wanted(title, bool(payload.get("p")))


def card_title(page_title, site_name):
    """What a page's card shows: its title without the site's name (the card
    shows that under the mark), cut to :data:`MAX_TITLE` characters."""
    if hasattr(page_title, "__html__"):
        page_title = Markup(page_title).unescape()
    title = " ".join(str(page_title).split())
    title = title.removesuffix(f" · {site_name}").strip() or site_name
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1].rstrip() + "…"
    return title


@pass_context
def share_card(context, page_title):
    """The page's card (``templates/base.html``): its address, absolute, and its
    alternative text. Only an address is made here, from the signed title, and
    memoised: nothing is drawn during the page's request."""
    request = context.get("request")
    typed = (
        request is not None
        and bool(request.GET)
        and any(request.GET.get(name, "").strip() for name in FREE_TEXT)
    )
    # A draft's page, a preview of pending changes, and any page shown to someone
    # signed in (whose lists and filters may name drafts): a private card.
    private = (
        bool(context.get("is_draft"))
        or bool(getattr(request, "capj_pending_preview", False))
        or (request is not None and is_personal(request))
    )
    return _card(
        # The title as the page has it (escaped, when Markup), and what it means.
        (str(page_title), hasattr(page_title, "__html__")),
        private,
        typed,
        context.get("site_url") or "",
        settings.SECRET_KEY,
        get_script_prefix(),
    )


@lru_cache(maxsize=4096)
def _card(page_title, private, typed, site_url, secret, script_prefix):
    site_name = settings.SITE_NAME
    text, escaped = page_title
    title = (
        site_name if typed else card_title(Markup(text) if escaped else text, site_name)
    )
    path = reverse("dialogue:share-card", args=[card_key(title, private)])
    alt = site_name if title == site_name else f"{title} — {site_name}"
    return Card(url=site_url + path, alt=alt)


# -- The view ------------------------------------------------------------------

IMMUTABLE = {"public": True, "max_age": 365 * 24 * 60 * 60, "immutable": True}


def _digest(title, face):
    text = f"{DESIGN}\x00{face.name}\x00{title}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _cache_headers(response, wanted, face, etag):
    response["ETag"] = etag
    if wanted.private:
        patch_cache_control(response, private=True, no_store=True)
    elif face.complete:
        patch_cache_control(response, **IMMUTABLE)
    else:
        patch_cache_control(response, public=True, max_age=FALLBACK_MAX_AGE)
    return response


def _is_staff(request):
    user = request.user
    return user.is_active and user.is_staff


@require_safe
def card_view(request, key):
    """``/share/<key>.png``: the card a page names; 404 for a key not signed
    here, and for a private card (a draft's) to anyone but signed-in staff."""
    wanted = read_key(key)
    if wanted is None or (wanted.private and not _is_staff(request)):
        raise Http404("No such card")
    face = typeface()
    digest = _digest(wanted.title, face)
    etag = f'"{digest}"'
    if not wanted.private and etag in parse_etags(
        request.META.get("HTTP_IF_NONE_MATCH", "")
    ):
        return _cache_headers(HttpResponseNotModified(), wanted, face, etag)
    png = None if wanted.private else _cached(digest)
    if png is None:
        png, drawn_with = _draw(wanted.title, face)
        if drawn_with is not face:
            # Not the picture this ETag names: kept an hour by browsers, not stored.
            return _cache_headers(
                HttpResponse(png, content_type="image/png"),
                wanted,
                drawn_with,
                f'"{_digest(wanted.title, drawn_with)}"',
            )
        if not wanted.private:
            _store(digest, png)
    response = HttpResponse(png, content_type="image/png")
    return _cache_headers(response, wanted, face, etag)


def _draw(title, face):
    """The card, and the typeface it was drawn with: ``face``, or Pillow's own
    font when a file of ``face`` cannot be read after all."""
    try:
        return render_card(title, face), face
    except OSError:
        logger.exception("Share cards: could not draw with %s", face.name)
        return render_card(title, PILLOW_DEFAULT), PILLOW_DEFAULT


def _cache_key(digest):
    return f"{settings.CACHE_MIDDLEWARE_KEY_PREFIX}:share-card:{digest}"


def _cached(digest):
    try:
        return cache.get(_cache_key(digest))
    except Exception:
        logger.exception("Share card cache unavailable; drawing the card")
        return None


def _store(digest, png):
    try:
        cache.set(_cache_key(digest), png, CACHE_SECONDS)
    except Exception:
        logger.exception("Could not store a share card in the cache")
