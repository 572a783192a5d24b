"""Share cards: the picture a link preview shows for every page (og:image,
twitter:card), drawn from the page's title in Latin, Cyrillic or Japanese, at an
address that changes with the title, never drawing text the site did not put in a
page, and never showing a draft's title to visitors."""

import base64
import io
import json
import logging
import os
from html import unescape
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image

from dialogue import line_breaks, share_cards
from dialogue.models import Meeting
from tests.browser.pages import FOURTH, PUBLIC_PAGES, prepare
from tests.factories import make_meeting
from tests.test_pending import preview_url, save_pending
from tests.test_revisions import meeting  # noqa: F401
from tests.test_seo import head_tags

pytestmark = pytest.mark.django_db

GEMBA_JA = "玄葉光一郎"
GEMBA_RU = "Коитиро Гемба"
#: A private-use character: no font has it, every font draws its "missing" box.
NO_GLYPH = "\U000f0000"
SITE_NAME = "Central Asia plus Japan Dialogue"


@pytest.fixture(autouse=True)
def fresh_cards():
    """No card drawn by an earlier test in this process, the fonts looked up anew."""
    cache.clear()
    share_cards.typeface.cache_clear()
    yield
    share_cards.typeface.cache_clear()


def noto_required():
    """Skip a test that needs Noto Sans CJK where it is not installed, or fail it
    under CAPJ_REQUIRE_FONTS=1 (as in CI, which installs fonts-noto-cjk)."""
    if share_cards.typeface().name == share_cards.NOTO_FAMILY:
        return
    reason = f"Noto Sans CJK not found: {share_cards.INSTALL_HINT}"
    if os.environ.get("CAPJ_REQUIRE_FONTS") == "1":
        pytest.fail(f"{reason}; CAPJ_REQUIRE_FONTS=1 allows no skip", pytrace=False)
    pytest.skip(reason)


def card_of(html):
    """The og:image address of a page, and the twitter/OpenGraph tags about it."""
    _, metas, _ = head_tags(html)
    return metas.get("og:image"), metas


def card_of_page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    url, _ = card_of(response.content.decode())
    return url


def fetch_card(client, url, status=200, **headers):
    response = client.get(urlsplit(url).path, **headers)
    assert response.status_code == status, url
    return response


def picture(response):
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    image.load()
    assert image.format == "PNG"
    return image


def key_of(url):
    path = urlsplit(url).path
    assert path.startswith("/share/") and path.endswith(".png"), url
    return path.removeprefix("/share/").removesuffix(".png")


# --- Every page names a card that is there ------------------------------------


@pytest.mark.parametrize(
    "public_page",
    # The server error page is a page of its own (templates/500.html) that must
    # render with nothing working: it names no card.
    [public_page for public_page in PUBLIC_PAGES if public_page.status != 500],
    ids=lambda public_page: public_page.name,
)
def test_every_page_names_a_large_card_of_its_own(seed, public_page):
    prepare(upto=public_page.name)
    client = Client()
    with public_page.during():
        response = client.get(public_page.path())
    assert response.status_code == public_page.status
    html = response.content.decode()
    url, metas = card_of(html)
    assert url.startswith("http://testserver/share/")
    # The card shows the page's title, less the site's name under the mark; not
    # what a visitor typed into a search.
    wanted = share_cards.read_key(key_of(url))
    assert not wanted.private
    page_title = unescape(head_tags(html)[0]).removesuffix(f" · {SITE_NAME}")
    typed = "q=" in public_page.query
    assert wanted.title == (SITE_NAME if typed else page_title)
    assert metas["twitter:card"] == "summary_large_image"
    assert metas["og:image:type"] == "image/png"
    assert (metas["og:image:width"], metas["og:image:height"]) == ("1200", "630")
    assert metas["og:image:alt"].endswith("Central Asia plus Japan Dialogue")
    image = picture(fetch_card(client, url))
    assert image.size == (1200, 630)


def test_a_meeting_card_shows_its_title_and_is_kept_for_good(client, seed):
    url = card_of_page(client, reverse("dialogue:meeting-detail", args=[FOURTH]))
    assert share_cards.read_key(key_of(url)).title == (
        "4th Foreign Ministers' Meeting in Tokyo"
    )
    _, metas = card_of(
        client.get(reverse("dialogue:meeting-detail", args=[FOURTH])).content.decode()
    )
    assert metas["og:image:alt"] == (
        "4th Foreign Ministers&#39; Meeting in Tokyo — Central Asia plus Japan Dialogue"
    )
    response = fetch_card(client, url)
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert "immutable" in cache_control
    assert "max-age=31536000" in cache_control
    etag = response["ETag"]
    assert etag.startswith('"')  # strong: the address names every pixel

    # Asked again with the ETag: a 304 before anything is drawn.
    with mock.patch.object(share_cards, "render_card") as render:
        again = fetch_card(client, url, status=304, HTTP_IF_NONE_MATCH=etag)
    render.assert_not_called()
    assert again["ETag"] == etag
    assert "immutable" in again["Cache-Control"]


def test_a_card_is_drawn_once_and_then_comes_from_the_cache(client, seed):
    url = card_of_page(client, reverse("dialogue:meeting-detail", args=[FOURTH]))
    with mock.patch.object(
        share_cards, "render_card", wraps=share_cards.render_card
    ) as render:
        first = fetch_card(client, url).content
        second = fetch_card(client, url).content
    assert render.call_count == 1
    assert first == second


# --- A new title, a new address and a new picture ---------------------------


def test_a_changed_title_gives_a_new_address_and_a_new_picture(client, seed):
    path = reverse("dialogue:meeting-detail", args=[FOURTH])
    before = card_of_page(client, path)
    old_picture = fetch_card(client, before).content

    fourth = Meeting.objects.get(slug=FOURTH)
    fourth.summary = "A summary, edited: the card shows no summary."
    fourth.save()
    assert card_of_page(client, path) == before  # browsers and CDNs keep it

    fourth.title = "Fourth Foreign Ministers' Meeting, Tokyo"
    fourth.save()
    after = card_of_page(client, path)
    assert after != before
    assert share_cards.read_key(key_of(after)).title == fourth.title
    new_picture = fetch_card(client, after).content
    assert new_picture != old_picture
    assert picture(fetch_card(client, after)).size == (1200, 630)
    # The old address still draws the old title, for the previews made with it.
    assert fetch_card(client, before).content == old_picture


def test_a_new_design_gives_every_card_a_new_address(client, seed):
    path = reverse("dialogue:meeting-detail", args=[FOURTH])
    before = card_of_page(client, path)
    share_cards._card.cache_clear()
    try:
        with mock.patch.object(share_cards, "DESIGN", share_cards.DESIGN + 1):
            assert card_of_page(client, path) != before
    finally:
        share_cards._card.cache_clear()


# --- Scripts: Latin, Cyrillic, Japanese ---------------------------------------


def title_pixels(png):
    """The title's part of a card (below the mark, above the gold rule)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return image.crop((0, share_cards.TITLE_TOP, 1200, share_cards.TITLE_BOTTOM))


def test_japanese_and_cyrillic_titles_are_drawn_not_boxes():
    noto_required()
    face = share_cards.typeface()
    font = face.font(64)
    assert share_cards.missing_glyphs(font, f"{GEMBA_JA} {GEMBA_RU} Koichiro") == []
    assert share_cards.missing_glyphs(font, NO_GLYPH) == [NO_GLYPH]
    # Each name drawn is not five (or thirteen) "missing" boxes.
    for name in (GEMBA_JA, GEMBA_RU):
        drawn = share_cards.render_card(name, face)
        boxes = share_cards.render_card(
            "".join(" " if char == " " else NO_GLYPH for char in name), face
        )
        assert title_pixels(drawn).tobytes() != title_pixels(boxes).tobytes()
        assert white_columns(drawn), f"{name} is drawn"


def test_the_glyph_check_catches_a_font_without_japanese():
    """DejaVu Sans, the fallback, has Cyrillic but no Japanese: the check that
    passes for Noto says so."""
    dejavu = share_cards._dejavu()
    if dejavu is None:
        pytest.skip("DejaVu Sans not installed (apt-get install fonts-dejavu-core)")
    font = dejavu.font(64)
    assert share_cards.missing_glyphs(font, GEMBA_JA) == list(GEMBA_JA)
    assert share_cards.missing_glyphs(font, GEMBA_RU) == []


def test_a_person_with_a_japanese_name_gets_a_japanese_card(client, seed):
    noto_required()
    from dialogue.models import Person

    person = Person.objects.get(slug="koichiro-gemba")
    person.name = GEMBA_JA
    person.save()
    url = card_of_page(client, person.get_absolute_url())
    assert share_cards.read_key(key_of(url)).title == GEMBA_JA
    image = picture(fetch_card(client, url))
    assert image.size == (1200, 630)


# --- Wrapping, shrinking, ellipsis --------------------------------------------


def white_columns(png):
    """The columns of the title's part with white (title) pixels in them."""
    region = title_pixels(png)
    width, height = region.size
    pixels = region.load()
    return {
        x for x in range(width) for y in range(0, height, 2) if min(pixels[x, y]) > 200
    }


@pytest.mark.parametrize(
    "title",
    [
        "4th Foreign Ministers' Meeting in Tokyo",
        "Supercalifragilisticexpialidocious" * 5,
        "「中央アジア＋日本」対話・第4回外務大臣会合（東京）における共同声明の採択" * 3,
        "Совещание министров иностранных дел " * 5,
    ],
    ids=["short", "one-long-word", "japanese", "cyrillic"],
)
def test_a_title_stays_inside_the_card(title):
    face = share_cards.typeface()
    columns = white_columns(share_cards.render_card(title[:200], face))
    assert columns, "the title is drawn"
    assert min(columns) >= share_cards.MARGIN - 2
    assert max(columns) <= 1200 - share_cards.MARGIN + 2


def test_a_short_title_is_large_and_a_long_one_smaller_then_ellipsised():
    face = share_cards.typeface()
    width, height = 1040, share_cards.TITLE_BOTTOM - share_cards.TITLE_TOP
    short = share_cards.fit_title("Tokyo", face, width, height)
    longer = share_cards.fit_title("Tokyo and Astana " * 8, face, width, height)
    longest = share_cards.fit_title("Tokyo and Astana " * 30, face, width, height)
    assert short.size == share_cards.TITLE_SIZES[0]
    assert short.lines == ["Tokyo"]
    assert share_cards.TITLE_SIZES[-1] <= longer.size < short.size
    assert not longer.cut
    assert " ".join(longer.lines) == ("Tokyo and Astana " * 8).strip()
    assert longest.size == share_cards.TITLE_SIZES[-1]
    assert longest.cut
    assert longest.lines[-1].endswith("…")
    assert all(longest.font.getlength(line) <= width for line in longest.lines)
    # What is kept is the title's beginning, whole words up to the last line.
    assert ("Tokyo and Astana " * 30).startswith(" ".join(longest.lines[:-1]))


def test_lines_never_split_a_glyph_nor_start_with_a_closing_mark():
    face = share_cards.typeface()
    font = face.font(share_cards.TITLE_SIZES[-1])
    accented = "e\u0301" * 120  # é as e + combining acute: one glyph each
    lines = line_breaks.wrap(accented, font, 400, max_lines=50)
    assert len(lines) > 1
    assert all(not line.startswith("\u0301") for line in lines)
    assert "".join(lines) == accented
    japanese = "会合。" * 60
    lines = line_breaks.wrap(japanese, font, 400, max_lines=50)
    assert len(lines) > 1
    assert not any(line.startswith("。") for line in lines)
    assert "".join(lines) == japanese


# --- Keys: only the site's own ------------------------------------------------


def signed(text):
    return signing.Signer(salt=share_cards.SALT, sep=".").sign(text)


def encoded(payload):
    data = json.dumps(payload, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged_keys():
    good = share_cards.card_key("Tokyo 2012")
    payload, signature = good.split(".")
    other_payload = share_cards.card_key("Anything I like").split(".")[0]
    with override_settings(SECRET_KEY="someone-else's-secret"):
        other_secret = share_cards.card_key("Anything I like")
    return {
        "swapped title": f"{other_payload}.{signature}",
        "no signature": payload,
        "bad signature": f"{payload}.{signature[:-2]}xx",
        "other secret": other_secret,
        "other salt": signing.Signer(salt="another.purpose", sep=".").sign(payload),
        "not base64": signed("!!not-base64"),
        "not json": signed(encoded("x")[:-1] + "{"),
        "not an object": signed(encoded(["Tokyo 2012"])),
        "no title": signed(encoded({"v": 1})),
        "empty title": signed(encoded({"t": "", "v": 1})),
        "title not text": signed(encoded({"t": 12, "v": 1})),
        # Longer than any title the site signs (card_key cuts at MAX_TITLE).
        "title too long": signed(encoded({"t": "x" * 201, "v": 1})),
        "junk": "hello",
    }


def test_a_forged_or_broken_key_is_a_404_not_a_500(client, db):
    assert (
        client.get(f"/share/{share_cards.card_key('Tokyo 2012')}.png").status_code
        == 200
    )
    for name, key in forged_keys().items():
        assert share_cards.read_key(key) is None, name
        response = client.get(f"/share/{key}.png")
        assert response.status_code == 404, name
    assert share_cards.read_key(share_cards.card_key("x" * 300)).title == "x" * 200


def test_text_a_visitor_types_is_never_drawn(client, seed):
    home = card_of_page(client, reverse("dialogue:home"))
    typed = "Send money to evil.example"
    for path in (
        f"{reverse('dialogue:search')}?q={typed}",
        f"{reverse('dialogue:person-list')}?q={typed}",
    ):
        url = card_of_page(client, path)
        assert url == home, path
        assert typed not in share_cards.read_key(key_of(url)).title


def test_only_posts_and_gets():
    response = Client().post(reverse("dialogue:share-card", args=["x"]))
    assert response.status_code == 405


# --- Drafts -------------------------------------------------------------------


def test_a_drafts_card_is_for_staff_only_and_kept_by_nobody(editor_client):
    draft = make_meeting(title="Secret summit in Bishkek", published=False)
    visitor = Client()
    assert visitor.get(draft.get_absolute_url()).status_code == 404
    url = card_of_page(editor_client, draft.get_absolute_url())
    wanted = share_cards.read_key(key_of(url))
    assert wanted.title == "Secret summit in Bishkek"
    assert wanted.private

    # A visitor with the address gets nothing, not even from a shared cache.
    fetch_card(visitor, url, status=404)
    with mock.patch.object(
        share_cards, "render_card", wraps=share_cards.render_card
    ) as render:
        first = fetch_card(editor_client, url)
        fetch_card(editor_client, url)
    assert picture(first).size == (1200, 630)
    assert render.call_count == 2  # never stored in the shared cache
    assert "private" in first["Cache-Control"]
    assert "no-store" in first["Cache-Control"]
    assert "public" not in first["Cache-Control"]
    fetch_card(visitor, url, status=404)

    # Published, the page names a public card for visitors (and link previews).
    draft.published = True
    draft.save()
    public_url = card_of_page(visitor, draft.get_absolute_url())
    assert public_url != url
    assert not share_cards.read_key(key_of(public_url)).private
    assert "immutable" in fetch_card(visitor, public_url)["Cache-Control"]


def test_a_signed_in_editor_is_shown_private_cards_only(editor_client, seed):
    """An editor's lists and filters may name drafts: whatever the page, the card
    it names for them is private, and a visitor cannot have it drawn."""
    from dialogue.models import Country

    Country.objects.filter(code="UZ").update(published=False)
    path = f"{reverse('dialogue:meeting-list')}?participant=uz"
    response = editor_client.get(path)
    assert response.status_code == 200
    url, _ = card_of(response.content.decode())
    wanted = share_cards.read_key(key_of(url))
    assert wanted.private
    fetch_card(Client(), url, status=404)
    for page_path in (
        reverse("dialogue:home"),
        reverse("dialogue:meeting-detail", args=[FOURTH]),
    ):
        staff_url = card_of_page(editor_client, page_path)
        assert share_cards.read_key(key_of(staff_url)).private
        assert card_of_page(Client(), page_path) != staff_url


def test_a_scheduled_records_card_is_a_drafts_card(editor_client):
    import datetime

    from django.utils import timezone

    scheduled = make_meeting(
        title="Summit next year",
        publish_at=timezone.now() + datetime.timedelta(days=30),
    )
    url = card_of_page(editor_client, scheduled.get_absolute_url())
    assert share_cards.read_key(key_of(url)).private
    fetch_card(Client(), url, status=404)


def test_a_pending_previews_card_is_for_staff_only(meeting, editor_client):  # noqa: F811
    live = card_of_page(Client(), meeting.get_absolute_url())
    save_pending(editor_client, meeting, [("title", "Tokyo, retitled")])
    preview = editor_client.get(preview_url(meeting))
    assert preview.status_code == 200
    url, _ = card_of(preview.content.decode())
    wanted = share_cards.read_key(key_of(url))
    assert (wanted.title, wanted.private) == ("Tokyo, retitled", True)
    fetch_card(Client(), url, status=404)
    assert "no-store" in fetch_card(editor_client, url)["Cache-Control"]
    # The live page still names the live title's card.
    assert card_of_page(Client(), meeting.get_absolute_url()) == live


# --- Without the font -----------------------------------------------------------


def test_without_noto_the_card_falls_back_to_dejavu_with_a_warning(
    client, seed, caplog, tmp_path
):
    url = card_of_page(client, reverse("dialogue:meeting-detail", args=[FOURTH]))
    with mock.patch.object(share_cards, "NOTO", tmp_path / "no-noto"):
        share_cards.typeface.cache_clear()
        with caplog.at_level(logging.WARNING, logger="dialogue.share_cards"):
            response = fetch_card(client, url)
    assert picture(response).size == (1200, 630)
    assert "fonts-noto-cjk" in caplog.text
    # Drawn with a stand-in: kept an hour, not for good.
    assert "immutable" not in response["Cache-Control"]
    assert "max-age=3600" in response["Cache-Control"]


def test_without_any_font_file_pillows_own_font_draws_the_card(client, seed, tmp_path):
    url = card_of_page(client, reverse("dialogue:meeting-detail", args=[FOURTH]))
    with (
        mock.patch.object(share_cards, "NOTO", tmp_path / "no-noto"),
        mock.patch.object(share_cards, "DEJAVU", tmp_path / "no-dejavu"),
    ):
        share_cards.typeface.cache_clear()
        assert share_cards.typeface().name == "Pillow default"
        response = fetch_card(client, url)
        japanese = share_cards.render_card(GEMBA_JA)
    assert picture(response).size == (1200, 630)
    assert Image.open(io.BytesIO(japanese)).size == (1200, 630)


def test_a_font_file_that_cannot_be_read_is_no_500(client, seed, tmp_path, caplog):
    url = card_of_page(client, reverse("dialogue:meeting-detail", args=[FOURTH]))
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    face = share_cards.Typeface("Broken", (str(broken), 0), (str(broken), 0), True)
    with (
        mock.patch.object(share_cards, "typeface", return_value=face),
        caplog.at_level(logging.ERROR, logger="dialogue.share_cards"),
    ):
        response = fetch_card(client, url)
    assert picture(response).size == (1200, 630)
    assert "could not draw with Broken" in caplog.text
    assert "immutable" not in response["Cache-Control"]
    assert "max-age=3600" in response["Cache-Control"]


# --- The page pays nothing for its card ----------------------------------------


def test_a_page_draws_no_card(client, seed):
    with mock.patch.object(share_cards, "render_card") as render:
        client.get(reverse("dialogue:meeting-detail", args=[FOURTH]))
        client.get(reverse("dialogue:home"))
    render.assert_not_called()
