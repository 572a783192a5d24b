"""A page's share card as a link preview gets it: the og:image a real Chromium
reads from the page, fetched from the live server, is a 1200×630 PNG. The meeting's
card is kept in test-artifacts/screenshots/share-card-meeting.png."""

import io

from PIL import Image

from tests.browser.conftest import SCREENSHOTS, browser_marks
from tests.browser.pages import FOURTH

pytestmark = browser_marks


def test_the_meeting_pages_card_is_a_large_png(page, url):
    page.goto(url("dialogue:meeting-detail", FOURTH))
    image_url = page.locator('meta[property="og:image"]').get_attribute("content")
    card = page.locator('meta[name="twitter:card"]').get_attribute("content")
    assert card == "summary_large_image"
    assert image_url.startswith(url("dialogue:home") + "share/")

    response = page.request.get(image_url)
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    assert "immutable" in response.headers["cache-control"]
    body = response.body()
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG"
    assert image.size == (1200, 630)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "share-card-meeting.png").write_bytes(body)

    # Opened as a page of its own, Chromium shows it as a picture of that size.
    answer = page.goto(image_url)
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/png"
    size = page.evaluate(
        "() => [document.images[0].naturalWidth, document.images[0].naturalHeight]"
    )
    assert size == [1200, 630]
