"""The visitor's site in a real Chromium: a journey, accessibility, keyboard use,
screenshots at phone and desktop widths."""

import csv
import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dialogue.models import Meeting, Person, Source
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, browser_marks
from tests.browser.pages import (
    FOURTH,
    PUBLIC_PAGES,
    check_shows,
    one_per_template,
    prepare,
    visit,
)
from tests.browser.reports import axe_violations, check_axe

pytestmark = browser_marks

GAZETTE = "gazette-japan-700-million-2012"


def test_visitor_journey(page, url):
    # Saved, not updated in bulk: save() folds the names search reads.
    gemba = Person.objects.get(slug="koichiro-gemba")
    gemba.other_names = "Коитиро Гемба\n玄葉光一郎"
    gemba.save()
    page.goto(url("dialogue:home"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The Central Asia plus Japan Dialogue"
    )
    expect(page.locator(".figures")).to_contain_text("Pledged in USD")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Participants"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Participants")
    expect(page.get_by_role("row", name=re.compile("Turkmenistan"))).to_contain_text(
        "Observer"
    )

    page.get_by_role("link", name="Japan", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Japan")
    expect(page.locator("main")).to_contain_text("USD 700,000,000")

    page.locator("main").get_by_role(
        "link", name="4th Foreign Ministers' Meeting in Tokyo"
    ).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "4th Foreign Ministers' Meeting in Tokyo"
    )
    attendees = page.get_by_role("table", name=re.compile("Who attended"))
    expect(attendees).to_contain_text("Koichiro Gemba")
    expect(attendees).to_contain_text("Vladimir Norov")

    # A citation number leads to the reference, the reference to the source.
    page.locator(".sources-line sup.cite a").first.click()
    expect(page).to_have_url(re.compile(r"#ref-1$"))
    references = page.get_by_role("region", name="References")
    references.get_by_role(
        "link", name="Japan to Provide $ 700 Million to Central Asia"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Japan to Provide $ 700 Million to Central Asia"
    )
    expect(page.locator("main")).to_contain_text("Cited for")
    expect(page.locator("main")).to_contain_text("Japan: USD 700,000,000")

    # Search in Cyrillic, lower case, from the header.
    page.get_by_role("searchbox", name="Search the site").fill("гемба")
    page.get_by_role("searchbox", name="Search the site").press("Enter")
    expect(page.get_by_role("status")).to_have_text("1 result for “гемба”")
    page.get_by_role("link", name="Koichiro Gemba").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Koichiro Gemba")
    expect(page.locator("main")).to_contain_text("玄葉光一郎")

    # The timeline offers the meetings as CSV.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Timeline"
    ).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="meetings.csv").click()
    download = download_info.value
    assert download.suggested_filename == "meetings.csv"
    text = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == Meeting.objects.published().count() == 6
    fourth = next(row for row in rows if row["slug"] == FOURTH)
    assert (fourth["number"], fourth["host"], fourth["start_date"]) == (
        "4",
        "JP",
        "2012-11-10",
    )


def test_timeline_filter_without_javascript_reload(page, url):
    page.goto(url("dialogue:meeting-list"))
    page.get_by_role("combobox", name="Kind").select_option(
        label="Intellectual Dialogue"
    )
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("status")).to_contain_text("2 meetings")
    expect(page.get_by_role("heading", name="Date unknown")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Tashkent")


def test_no_axe_violations_on_any_public_page(page, site):
    """Every public page template, each state, answering with its status; results
    also written to test-artifacts/axe-report.txt."""

    def check(public_page):
        response = page.goto(site.url + public_page.path())
        assert response.status == public_page.status, public_page.name
        check_shows(public_page, response.text())
        return check_axe(page, public_page.name, response.status)

    report = visit(check)
    assert {name: found for name, found in report.items() if found} == {}
    assert list(report) == [public_page.name for public_page in PUBLIC_PAGES]


def test_axe_finds_a_planted_violation(page, url):
    """The check itself works: an image without a text alternative is reported."""
    page.goto(url("dialogue:home"))
    page.evaluate(
        """() => document.querySelector('main')
            .insertAdjacentHTML('beforeend', '<img src="/planted.png">')"""
    )
    assert [line for line in axe_violations(page) if line.startswith("image-alt:")]


def test_no_axe_violations_on_a_phone_and_on_a_draft(browser, site, url):
    from django.contrib.auth import get_user_model
    from django.test import Client

    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    for name in ("home", "pledge-list"):
        response = page.goto(url(f"dialogue:{name}"))
        assert response.status == 200
        assert check_axe(page, f"phone-{name}", response.status) == [], name
    # An editor's preview of a draft, with its banner.
    boss = get_user_model().objects.create_superuser("boss", password="pw")
    client = Client()
    client.force_login(boss)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": site.url,
            }
        ]
    )
    Meeting.objects.filter(slug=FOURTH).update(published=False)
    response = page.goto(url("dialogue:meeting-detail", FOURTH))
    assert response.status == 200
    expect(page.get_by_role("status").first).to_contain_text("Draft — not public")
    assert check_axe(page, "phone-draft-preview", response.status) == []
    context.close()


def focus_report(page):
    """The focused element: its link target, whether focus is visible, where."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            const style = getComputedStyle(el);
            const box = el.getBoundingClientRect();
            const outline = style.outlineStyle !== 'none'
                && parseFloat(style.outlineWidth) >= 2;
            return {
                tag: el.tagName.toLowerCase(),
                href: el.getAttribute('href'),
                text: (el.innerText || el.value || '').trim().slice(0, 60),
                visible: outline || style.boxShadow !== 'none',
                onScreen: box.width > 0 && box.height > 0,
            };
        }"""
    )


@pytest.mark.parametrize(
    "public_page", one_per_template(), ids=lambda public_page: public_page.template
)
def test_keyboard_reaches_every_link_with_visible_focus(page, site, public_page):
    """One page of each public template: a skip link first (the server error
    page, without header or navigation, needs none), then every link in turn,
    each with a visible focus."""
    prepare(upto=public_page.name)
    with public_page.during():
        response = page.goto(site.url + public_page.path())
        assert response.status == public_page.status
        if public_page.template != "500.html":
            check_skip_link(page)
            page.goto(site.url + public_page.path())
        check_every_link_reached(page)


def check_skip_link(page):
    page.keyboard.press("Tab")
    first = focus_report(page)
    assert first["text"] == "Skip to content"
    assert first["visible"] and first["onScreen"]
    skip_box = page.get_by_role("link", name="Skip to content").bounding_box()
    assert skip_box["y"] >= 0  # shown on screen once focused

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def check_every_link_reached(page):
    links = page.evaluate(
        """() => [...document.querySelectorAll('a[href]')]
            .filter(a => a.getClientRects().length)
            .map(a => a.getAttribute('href'))"""
    )
    reached, problems = [], []
    for _ in range(len(links) + 40):
        page.keyboard.press("Tab")
        report = focus_report(page)
        if report is None:
            break
        if not (report["visible"] and report["onScreen"]):
            problems.append(report)
        if report["href"] is not None:
            reached.append(report["href"])
        if len(reached) == len(links):
            break
    assert links
    assert problems == []
    assert reached == links


@pytest.mark.parametrize(
    ("name", "url_name", "args"),
    [
        ("home", "dialogue:home", []),
        ("participants", "dialogue:participant-list", []),
        ("meeting", "dialogue:meeting-detail", [FOURTH]),
        ("timeline", "dialogue:meeting-list", []),
    ],
)
def test_screenshots_at_phone_and_desktop_widths(browser, url, name, url_name, args):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(
            viewport=viewport, is_mobile=label == "phone", device_scale_factor=1
        )
        page = context.new_page()
        page.goto(url(url_name, *args))
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"
        ), f"{name} scrolls sideways at {label} width"
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        context.close()


@pytest.mark.parametrize("url_name", ["dialogue:home", "dialogue:participant-list"])
def test_the_map_is_readable_on_a_phone(browser, url, url_name):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(url(url_name))
    central_asia = page.locator("svg.map-central-asia")
    japan = page.locator("svg.map-japan")
    width = page.evaluate("document.documentElement.clientWidth")
    # Central Asia the page's width, Japan below it at the same scale.
    assert central_asia.bounding_box()["width"] >= width - 40
    assert japan.bounding_box()["y"] > central_asia.bounding_box()["y"] + 200
    sizes = page.locator("svg.map text").evaluate_all(
        "texts => texts.map(t => [t.textContent, t.getBoundingClientRect().height])"
    )
    names = {text for text, _height in sizes}
    assert {"Kazakhstan", "Tajikistan", "Japan", "Tokyo", "Tashkent"} <= names
    # Letters at least 10 px high (a line box of 11 px or more).
    assert min(height for _text, height in sizes) >= 11, sizes
    page.get_by_role("link", name="Tajikistan, member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tajikistan")
    context.close()


def test_print_styles_hide_navigation_and_show_link_targets(page, site, url):
    Source.objects.filter(slug=GAZETTE).update(url="https://www.example.org/gazette")
    page.goto(url("dialogue:meeting-detail", FOURTH))
    printed_from = page.locator(".print-only")
    expect(printed_from).to_be_hidden()
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("search")).to_be_hidden()

    def after(selector):
        return page.evaluate(
            """(selector) => getComputedStyle(
                document.querySelector(selector), '::after').content""",
            selector,
        )

    # This site's pages as paths, completed by the line naming the site's address.
    source_path = reverse("dialogue:source-detail", args=[GAZETTE])
    assert after(f'.references a[href="{source_path}"]') == f'" <{source_path}>"'
    expect(printed_from).to_be_visible()
    expect(printed_from).to_contain_text(
        f"Printed from {url('dialogue:meeting-detail', FOURTH)}."
    )
    expect(printed_from).to_contain_text(f"add them to {site.url}.")
    # Other sites in full; nothing for a citation number or a link within the page.
    assert after('.references a[href^="https:"]') == (
        '" <https://www.example.org/gazette>"'
    )
    assert after("sup.cite a") == "none"


@pytest.mark.parametrize(
    ("query", "marked", "result"),
    [
        ("tokyo", "Tokyo", "4th Foreign Ministers' Meeting in Tokyo"),
        ("гемба", "Гемба", "Koichiro Gemba"),
        ("玄葉", "玄葉", "Koichiro Gemba"),
    ],
)
def test_search_marks_the_match_in_each_script(page, url, query, marked, result):
    gemba = Person.objects.get(slug="koichiro-gemba")
    gemba.other_names = "Коитиро Гемба\n玄葉光一郎"
    gemba.save()
    page.goto(url("dialogue:home"))
    page.get_by_role("searchbox", name="Search the site").fill(query)
    page.get_by_role("searchbox", name="Search the site").press("Enter")
    hit = page.locator("main li", has=page.get_by_role("link", name=result)).first
    expect(hit).to_be_visible()
    expect(hit.locator("mark").first).to_have_text(marked)
    # One search box on the search page: the header's.
    expect(page.get_by_role("searchbox")).to_have_count(1)
