"""The editor's path in a real Chromium, every action counted: create a planned
meeting as a draft with attendees, a pledge (with its purpose and source) and a
new source; nothing is public; preview it under its banner; publish it, and it
is everywhere at once, through the page cache. Then change its live title as a
pending draft, which visitors do not see until "Publish changes"; and schedule a
publish, which the clock alone makes happen."""

import datetime
import re
import time
import urllib.error
import urllib.request

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from dialogue.models import Meeting, Pledge, Source
from tests.browser.conftest import browser_marks
from tests.browser.reports import check_axe
from tests.browser.test_editor import browser, editor, log_in  # noqa: F401
from tests.browser.test_revisions import rules
from tests.test_cache import shared_cache  # noqa: F401 (a fixture)

pytestmark = browser_marks

#: The bar: the path from the admin's home page to the published meeting.
MOST_ACTIONS = 30


class Hands:
    """An editor's actions on a page, counted: each click, each field filled or
    choice made, each key pressed, each address typed."""

    def __init__(self, page):
        self.page = page
        self.done = []

    def count(self, what):
        self.done.append(what)

    def goto(self, url):
        self.count(f"open {url}")
        return self.page.goto(url)

    def click(self, locator, what):
        locator.click()
        self.count(f"click {what}")

    def fill(self, locator, text):
        locator.fill(text)
        self.count(f"type {text!r}")

    def choose(self, locator, label=None, value=None):
        locator.select_option(label=label, value=value)
        self.count(f"choose {label or value!r}")

    def search_and_pick(self, select_name, text):
        """A select2 search box: open it, type, press Enter (three actions)."""
        page = self.page
        page.locator(
            f'select[name="{select_name}"] + .select2 .select2-selection'
        ).click()
        self.count(f"open {select_name}")
        page.locator(".select2-container--open .select2-search__field").fill(text)
        self.count(f"type {text!r}")
        # Enter picks the highlighted result: wait for the search's own.
        expect(
            page.locator(
                ".select2-container--open .select2-results__option--highlighted"
            )
        ).to_contain_text(text)
        page.keyboard.press("Enter")
        self.count("press Enter")


def visit(site, path):
    """What a visitor (no session, so served by the page cache) gets at ``path``."""
    try:
        with urllib.request.urlopen(site.url + path) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_create_preview_publish_then_change_a_live_meeting(
    migration_data,
    site,
    editor,  # noqa: F811
    page,
    shared_cache,  # noqa: F811
):
    log_in(page, site)
    # A visitor's pledges and sources pages, cached before anything happens.
    assert visit(site, "/pledges/")[0] == 200
    assert visit(site, "/sources/")[0] == 200

    hands = Hands(page)
    # From the admin's home page.
    hands.click(
        page.locator(f'a[href="{reverse("admin:dialogue_meeting_add")}"]'),
        "Meetings: Add",
    )
    hands.choose(page.locator('select[name="kind"]'), "Foreign Ministers' Meeting")
    hands.fill(page.locator('input[name="number"]'), "9")
    hands.fill(page.locator('input[name="start_date"]'), "2027-03")
    hands.fill(page.locator('input[name="city"]'), "Astana")
    hands.choose(page.locator('select[name="host"]'), "Kazakhstan")

    # A new source, in the popup of the Sources field.
    with page.expect_popup() as opened:
        hands.click(page.locator("#add_id_sources"), "Sources: +")
    popup = opened.value
    hands.fill(popup.locator('input[name="title"]'), "Press release on the 9th meeting")
    hands.fill(popup.locator('input[name="url"]'), "https://www.mofa.go.jp/press/9th")
    popup_hands = Hands(popup)
    popup_hands.click(popup.locator('input[name="_save"]').first, "Save (popup)")
    hands.done += popup_hands.done
    expect(page.locator('select[name="sources"] option[selected]')).to_have_text(
        "Press release on the 9th meeting"
    )

    # Two attendees: one named, one known by position only (a planned meeting).
    hands.choose(page.locator('select[name="attendances-0-country"]'), "Japan")
    hands.search_and_pick("attendances-0-person", "Gemba")
    hands.fill(
        page.locator('input[name="attendances-0-position"]'),
        "Minister for Foreign Affairs",
    )
    hands.choose(page.locator('select[name="attendances-1-country"]'), "Kazakhstan")
    hands.fill(
        page.locator('input[name="attendances-1-position"]'),
        "Minister of Foreign Affairs",
    )

    # A pledge, with what it is for and who says so.
    hands.choose(page.locator('select[name="pledges-0-donor"]'), "Japan")
    hands.fill(page.locator('input[name="pledges-0-amount"]'), "3000000000")
    hands.choose(page.locator('select[name="pledges-0-currency"]'), value="JPY")
    hands.fill(
        page.locator('textarea[name="pledges-0-purpose"]'),
        "Water management training in Central Asia",
    )
    hands.search_and_pick("pledges-0-sources", "Press release on the 9th")

    hands.click(
        page.get_by_role("button", name="Save and preview").first, "Save and preview"
    )
    expect(page.locator(".draft-banner")).to_contain_text("Draft — not public.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "9th Foreign Ministers' Meeting in Astana"
    )
    expect(page.locator("main")).to_contain_text("Water management training")
    meeting = Meeting.objects.get(number=9, kind="foreign_ministers")
    assert meeting.status == "planned"

    # Nothing is public yet: the meeting, its pledge, the new source.
    assert visit(site, meeting.get_absolute_url())[0] == 404
    assert "Water management" not in visit(site, "/pledges/")[1]
    assert "Press release on the 9th" not in visit(site, "/sources/")[1]
    assert (
        visit(
            site,
            Source.objects.get(
                title="Press release on the 9th meeting"
            ).get_absolute_url(),
        )[0]
        == 404
    )

    hands.click(
        page.locator(".draft-banner").get_by_role("link", name="Publish…"), "Publish…"
    )
    listing = page.locator(".publish-list")
    expect(listing).to_contain_text("Attendee: Koichiro Gemba")
    expect(listing).to_contain_text("Source: Press release on the 9th meeting")
    assert check_axe(page, "admin-publish-confirm") == []
    hands.click(page.get_by_role("button", name="Publish", exact=True), "Publish")
    expect(page.locator(".messages")).to_contain_text(
        "Published 1 meeting, 2 attendees and 1 pledge and the drafts it links to: "
        "Press release on the 9th meeting."
    )
    expect(page.locator(".draft-banner")).to_have_count(0)

    # The path's length, as counted.
    assert len(hands.done) <= MOST_ACTIONS, "\n".join(hands.done)
    print(
        f"\nThe editor's path took {len(hands.done)} actions:", *hands.done, sep="\n  "
    )

    # Everywhere at once, through the page cache.
    status, text = visit(site, meeting.get_absolute_url())
    assert status == 200
    assert "Koichiro Gemba" in text and "Minister of Foreign Affairs" in text
    assert "Water management training in Central Asia" in visit(site, "/pledges/")[1]
    assert "Press release on the 9th meeting" in visit(site, "/sources/")[1]
    assert Pledge.objects.get(meeting=meeting).published

    # Change the live title as a pending draft: visitors keep the old one.
    page.goto(site.url + reverse("admin:dialogue_meeting_change", args=[meeting.pk]))
    change_form = rules(check_axe(page, "admin-meeting-change-form-before-pending"))
    page.get_by_label("Title").fill("9th Foreign Ministers' Meeting, Astana")
    page.get_by_role("button", name="Save as pending draft").first.click()
    expect(page.locator(".pending-banner")).to_contain_text(
        "Pending changes — not public yet."
    )
    # The banner adds no violation to those of the change form's inline rows
    # (Django's own, as on a meeting without pending changes: test_revisions.py).
    assert rules(check_axe(page, "admin-pending-change-form")) <= change_form
    assert "9th Foreign Ministers&#39; Meeting in Astana" in visit(
        site, meeting.get_absolute_url()
    )[1].replace("'", "&#39;")
    with page.expect_popup() as opened:
        page.get_by_role("link", name="Preview pending changes").click()
    preview = opened.value
    expect(preview.locator(".draft-banner")).to_contain_text(
        "Pending changes — not public yet."
    )
    expect(preview.get_by_role("heading", level=1)).to_have_text(
        "9th Foreign Ministers' Meeting, Astana"
    )
    preview.close()
    assert "Meeting, Astana" not in visit(site, meeting.get_absolute_url())[1]
    page.get_by_role("button", name="Publish changes").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert "9th Foreign Ministers&#39; Meeting, Astana" in visit(
        site, meeting.get_absolute_url()
    )[1].replace("'", "&#39;")


def test_schedule_a_publish_and_the_clock_does_it(
    migration_data,
    site,
    editor,  # noqa: F811
    page,
    shared_cache,  # noqa: F811
):
    """Scheduled some seconds ahead (a minute in real use): the page is a 404, and
    the cached timeline lacks the meeting, until that moment; then both show it,
    with nothing written in between."""
    meeting = Meeting.objects.create(
        kind="senior_officials",
        title="Senior Officials' Meeting in Dushanbe",
        start_date=datetime.date(2027, 5, 1),
        city="Dushanbe",
    )
    log_in(page, site)
    page.goto(site.url + reverse("admin:dialogue_meeting_change", args=[meeting.pk]))
    moment = timezone.localtime() + datetime.timedelta(seconds=20)
    page.locator('input[name="publish_at_0"]').fill(moment.strftime("%Y-%m-%d"))
    page.locator('input[name="publish_at_1"]').fill(moment.strftime("%H:%M:%S"))
    page.get_by_role("button", name="Save and continue editing").first.click()
    page.get_by_role("link", name="Publish…").click()
    expect(page.locator(".publish-list")).to_contain_text("scheduled: goes public on")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Published 1 meeting")

    assert visit(site, meeting.get_absolute_url())[0] == 404
    timeline = visit(site, "/meetings/")[1]
    assert "Dushanbe" not in timeline
    assert visit(site, "/meetings/")[1] == timeline  # from the cache
    time.sleep(max(0, (moment - timezone.localtime()).total_seconds()) + 1)
    status, text = visit(site, meeting.get_absolute_url())
    assert status == 200 and "Senior Officials' Meeting in Dushanbe" in re.sub(
        "&#39;|&#x27;", "'", text
    )
    assert "Dushanbe" in visit(site, "/meetings/")[1]
