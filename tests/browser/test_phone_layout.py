"""Phone layouts that hold, in a real Chromium at 390 × 844 px.

No public page scrolls sideways, in any state of the shared page list, nor does
any part of one (a table in its scrolling region); every table caption is read
whole; a date in a table keeps to one line; the open-data page's column lists keep
the table's width instead of one character a line; the filters of the timeline and
of the people index fold away behind a summary on a phone and show on a wide
screen. Screenshots at 390 and 1366 px, full page, go to
test-artifacts/screenshots/<page>-<width>.png.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, SCREENSHOTS, browser_marks
from tests.browser.pages import PAGES_BY_NAME, PUBLIC_PAGES, check_shows, visit
from tests.browser.reports import check_axe

pytestmark = browser_marks

WIDE = {"width": 1366, "height": 768}

#: What sticks out at the layout viewport's right edge: the page itself, or a part
#: of it that scrolls on its own (a table's region). For each, the element that
#: reaches furthest right among those sticking out of their own parent: the cause,
#: not the ancestors it pushes wider.
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const describe = (el) => {
        let name = el.tagName.toLowerCase();
        if (el.id) name += '#' + el.id;
        if (el.classList.length) name += '.' + [...el.classList].join('.');
        const text = (el.innerText || el.textContent || '').trim()
            .replace(/\\s+/g, ' ');
        return `${name} “${text.slice(0, 40)}”`;
    };
    // Inside a part that clips or scrolls, below ``root``: reported with that part.
    const clipped = (el, root) => {
        for (let up = el.parentElement; up && up !== root; up = up.parentElement) {
            if (getComputedStyle(up).overflowX !== 'visible') return true;
        }
        return false;
    };
    const cause = (root, limit) => {
        let found = null;
        for (const el of root.querySelectorAll('*')) {
            const box = el.getBoundingClientRect();
            if (!box.width || box.right <= limit + 0.5) continue;
            const parent = el.parentElement;
            const within = parent.getBoundingClientRect().right + 0.5;
            if (parent !== root && box.right <= within) continue;
            if (clipped(el, root)) continue;
            if (!found || box.right > found.right) {
                found = {right: Math.round(box.right), what: describe(el)};
            }
        }
        return found ? `; ${found.what} reaches ${found.right} px` : '';
    };
    const problems = [];
    const page = document.documentElement.scrollWidth;
    if (page > width || window.innerWidth > width) {
        problems.push(`the page is ${Math.max(page, window.innerWidth)} px wide`
            + ` in a window of ${width}` + cause(document.body, width));
    }
    for (const el of document.body.querySelectorAll('*')) {
        if (!['auto', 'scroll'].includes(getComputedStyle(el).overflowX)) continue;
        if (el.scrollWidth <= el.clientWidth + 1) continue;
        problems.push(`${describe(el)} scrolls sideways (${el.scrollWidth} px in`
            + ` ${el.clientWidth})` + cause(el, el.getBoundingClientRect().right));
    }
    return {width, problems};
}"""

#: The captions whose text is cut off: beyond the window, beyond an ancestor that
#: clips (a scrolling region), or overflowing the caption itself.
CLIPPED_CAPTIONS = """() => {
    const clipped = [];
    for (const caption of document.querySelectorAll('caption')) {
        if (!caption.getClientRects().length) continue;
        const range = document.createRange();
        range.selectNodeContents(caption);
        const text = range.getBoundingClientRect();
        let left = 0, right = document.documentElement.clientWidth;
        for (let el = caption.parentElement; el; el = el.parentElement) {
            if (getComputedStyle(el).overflowX === 'visible') continue;
            const box = el.getBoundingClientRect();
            left = Math.max(left, box.left);
            right = Math.min(right, box.right);
        }
        if (text.left < left - 0.5 || text.right > right + 0.5
                || caption.scrollWidth > caption.clientWidth + 1) {
            clipped.push(caption.textContent.trim());
        }
    }
    return clipped;
}"""

#: Each date's text and the lines it takes: table cells holding a date alone
#: ("28 August 2004", "April 2020", "2004–2012"), and <time> elements.
DATE_LINES = """() => {
    const date = /^(\\d{1,2}[–-]?\\d{0,2} )?([A-Z][a-z]+ )?\\d{4}([–-]\\d{4})?$/;
    const lines = (el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return new Set([...range.getClientRects()]
            .filter((box) => box.width > 0).map((box) => Math.round(box.bottom))).size;
    };
    const shown = (el) => el.getClientRects().length > 0;
    const cells = [...document.querySelectorAll('tbody td, tbody th')]
        .filter((cell) => shown(cell) && date.test(cell.textContent.trim()));
    return {
        cells: cells.map((cell) => [cell.textContent.trim(), lines(cell)]),
        times: [...document.querySelectorAll('time')].filter(shown)
            .map((time) => [time.textContent.trim(), lines(time)]),
    };
}"""


def phone_context(browser):
    """A phone's window, 390 px wide. Emulated as a mobile browser, which honours
    the page's viewport tag and would zoom out on a page too wide (caught: the
    window then reports a width above 390 px)."""
    return browser.new_context(viewport=PHONE, is_mobile=True, device_scale_factor=1)


def layout_problems(page):
    """What does not hold in the page shown at phone width, as readable lines."""
    found = page.evaluate(OVERFLOW)
    assert found["width"] == PHONE["width"]
    problems = list(found["problems"])
    problems += [
        f"the caption “{caption}” is clipped"
        for caption in page.evaluate(CLIPPED_CAPTIONS)
    ]
    dates = page.evaluate(DATE_LINES)
    problems += [
        f"the date “{text}” in a table takes {lines} lines"
        for text, lines in dates["cells"]
        if lines > 1
    ]
    problems += [
        f"the date “{text}” takes {lines} lines"
        for text, lines in dates["times"]
        if lines > 2
    ]
    problems += [
        f"the text “{text}” is drawn at {size} px, under 12"
        for text, size in page.evaluate(SMALL_TEXT)
    ]
    return problems


#: Text drawn under 12 px on the page: an SVG's text (a chart's, the map's) at
#: the size its drawing is scaled to, and any other visible text in <main>.
SMALL_TEXT = """() => {
    const small = [];
    for (const text of document.querySelectorAll('main svg text')) {
        const scale = text.getScreenCTM().a;
        const size = parseFloat(getComputedStyle(text).fontSize) * scale;
        if (text.getBBox().width > 0 && size < 11.95)
            small.push([text.textContent.trim(), size.toFixed(1)]);
    }
    const main = document.querySelector('main');
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, parent = node.parentElement;
        if (!node.textContent.trim() || parent.closest('svg')) continue;
        const size = parseFloat(getComputedStyle(parent).fontSize);
        if (parent.getClientRects().length && size < 11.95)
            small.push([node.textContent.trim().slice(0, 40), size.toFixed(1)]);
    }
    return small;
}"""


def phone_report(browser, site, only=lambda public_page: True):
    """{page name: its problems} for every public page (those ``only`` keeps),
    each in its state, at phone width."""
    context = phone_context(browser)
    page = context.new_page()

    def check(public_page):
        if not only(public_page):
            return []
        response = page.goto(site.url + public_page.path())
        assert response.status == public_page.status, public_page.name
        check_shows(public_page, response.text())
        return layout_problems(page)

    report = visit(check)
    context.close()
    assert list(report) == [public_page.name for public_page in PUBLIC_PAGES]
    return report


def lines_of(report, names):
    return [f"{name}: {line}" for name in names for line in report[name]]


def test_no_public_page_scrolls_sideways_on_a_phone(browser, site):
    """Every public page template in every state, at 390 px: the page fits the
    window, no part of it scrolls sideways, captions and dates read whole."""
    report = phone_report(browser, site)
    checked = [p.name for p in PUBLIC_PAGES]
    problems = lines_of(report, checked)
    assert problems == [], "\n".join(problems)


def test_the_overflow_check_names_the_page_and_the_cause(browser, site):
    """The check itself works: a table made wider than its region is reported
    with its region and its clipped caption; a box wider than the window, planted
    in the page, is reported with the page."""
    context = phone_context(browser)
    page = context.new_page()
    page.goto(site.url + PAGES_BY_NAME["participants"].path())
    assert layout_problems(page) == []
    # A date the check reads: the participants' Since.
    assert ["28 August 2004", 1] in page.evaluate(DATE_LINES)["cells"]
    page.evaluate(
        """() => document.querySelector('#participants-caption').closest('table')
            .style.setProperty('width', '600px', 'important')"""
    )
    problems = layout_problems(page)
    assert any(
        re.search(r"div\.table-scroll .* scrolls sideways .* table\.reflow", line)
        for line in problems
    ), problems
    assert any("the caption “Countries taking part" in line for line in problems)
    page.evaluate(
        """() => {
            const planted = document.createElement('div');
            planted.className = 'planted';
            planted.style.setProperty('width', '800px');
            planted.style.setProperty('height', '1em');
            document.querySelector('h1').after(planted);
        }"""
    )
    problems = layout_problems(page)
    assert any(
        re.search(r"^the page is 8\d\d px wide in a window of 390; div\.planted", line)
        for line in problems
    ), problems
    # The map's city names drawn smaller, and a paragraph in small print.
    page.evaluate(
        """() => {
            for (const name of document.querySelectorAll('.map-city-name'))
                name.setAttribute('font-size', '18');
            document.querySelector('.lead').style.setProperty('font-size', '11px');
        }"""
    )
    problems = layout_problems(page)
    assert "the text “Astana” is drawn at 9.7 px, under 12" in problems, problems
    assert any(
        line.startswith("the text “The Dialogue's members") and "11.0 px" in line
        for line in problems
    ), problems
    context.close()


def test_open_data_column_lists_keep_their_width_on_a_phone(browser, site):
    """Each file's columns run across the whole row, many names a line, not one
    character a line squeezed beside the file's name."""
    context = phone_context(browser)
    page = context.new_page()
    page.goto(site.url + PAGES_BY_NAME["open-data"].path())
    lists = page.locator("code.columns").evaluate_all(
        """codes => codes.map((code) => {
            const range = document.createRange();
            range.selectNodeContents(code);
            const lines = new Set([...range.getClientRects()]
                .map((box) => Math.round(box.bottom))).size;
            return {
                text: code.textContent,
                width: code.getBoundingClientRect().width,
                lines,
                row: code.closest('tr').getBoundingClientRect().width,
            };
        })"""
    )
    assert len(lists) == 9
    for found in lists:
        # On one line, or across most of the row at 25 characters a line or more.
        if found["lines"] > 1:
            assert found["width"] >= 0.8 * found["row"], found
            assert found["lines"] <= len(found["text"]) / 25 + 1, found
    assert max(found["lines"] for found in lists) > 1  # the check had work to do
    # File, Records, and Columns below them: each heading above its cells.
    headings = page.locator("table.files-table thead th")
    file_box, columns_box, records_box = (
        headings.nth(index).bounding_box() for index in range(3)
    )
    first_row = page.locator("table.files-table tbody tr").first
    records_cell = first_row.locator("td.num").bounding_box()
    columns_cell = first_row.locator("code.columns").bounding_box()
    assert records_box["x"] + records_box["width"] == pytest.approx(
        records_cell["x"] + records_cell["width"], abs=1
    )
    assert columns_box["y"] > file_box["y"]
    assert columns_cell["x"] == pytest.approx(columns_box["x"], abs=8)
    context.close()


#: Roles of a table's parts in Chromium's accessibility tree.
TABLE_ROLES = ("table", "row", "columnheader", "rowheader", "cell")


def table_roles(context, page):
    """How many nodes of each of TABLE_ROLES the page's accessibility tree holds."""
    cdp = context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    cdp.detach()
    roles = [node.get("role", {}).get("value") for node in nodes]
    return {role: roles.count(role) for role in TABLE_ROLES}


@pytest.mark.parametrize("name", ["participants", "open-data"])
def test_a_folded_table_is_still_a_table_to_a_screen_reader(browser, site, name):
    """Laid out in a grid of its own per row on a phone, the table keeps its
    rows, headings and cells in Chromium's accessibility tree, as on a wide
    screen; axe finds nothing either."""
    path = site.url + PAGES_BY_NAME[name].path()
    found = {}
    for label, viewport in (("phone", PHONE), ("wide", WIDE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        response = page.goto(path)
        found[label] = table_roles(context, page)
        if label == "phone":
            assert (
                page.locator("table.reflow tr").first.evaluate(
                    "row => getComputedStyle(row).display"
                )
                == "grid"
            )
            assert check_axe(page, f"phone-{name}", response.status) == []
        context.close()
    assert found["phone"] == found["wide"]
    assert found["phone"]["table"] == 1 and found["phone"]["cell"] > 10


FILTERS = {
    "timeline": (
        PAGES_BY_NAME["timeline-all-filters"],
        "Filter meetings (3 active)",
        [("combobox", "Kind"), ("combobox", "Year"), ("combobox", "Participant")],
        ("navigation", "Filter by kind"),
    ),
    "people": (
        PAGES_BY_NAME["people-by-participant-and-name"],
        "Filter people (2 active)",
        [("searchbox", "Name, in any script"), ("combobox", "Came for")],
        ("navigation", "People by initial"),
    ),
}


@pytest.mark.parametrize("name", FILTERS)
def test_filters_fold_away_on_a_phone_and_show_on_a_wide_screen(browser, site, name):
    public_page, summary_text, fields, links = FILTERS[name]
    path = site.url + public_page.path()

    phone = phone_context(browser)
    page = phone.new_page()
    page.goto(path)
    summary = page.locator("details.filter-panel > summary")
    expect(summary).to_have_text(summary_text)
    for role, label in fields:
        expect(page.get_by_role(role, name=label)).to_be_hidden()
    expect(page.get_by_role(links[0], name=links[1])).to_be_hidden()
    expect(page.get_by_role("button", name="Show")).to_be_hidden()
    # Folded, the filters leave the count of the list on the first screen, in
    # its upper three quarters; unfolded, they take its room.
    status = page.get_by_role("status").bounding_box()
    assert status["y"] + status["height"] < PHONE["height"] * 3 / 4
    assert check_axe(page, f"phone-{name}-filters-folded", 200) == []
    summary.click()
    assert page.get_by_role("status").bounding_box()["y"] > status["y"] + 150
    for role, label in fields:
        expect(page.get_by_role(role, name=label)).to_be_visible()
    expect(page.get_by_role(links[0], name=links[1])).to_be_visible()
    expect(page.get_by_role("button", name="Show")).to_be_visible()
    assert layout_problems(page) == []
    assert check_axe(page, f"phone-{name}-filters-unfolded", 200) == []
    # Unfiltered, the summary counts nothing.
    page.goto(site.url + public_page.path().split("?")[0])
    expect(summary).to_have_text(summary_text.split(" (")[0])
    phone.close()

    wide = browser.new_context(viewport=WIDE)
    page = wide.new_page()
    page.goto(path)
    expect(page.locator("details.filter-panel > summary")).to_be_hidden()
    for role, label in fields:
        expect(page.get_by_role(role, name=label)).to_be_visible()
    expect(page.get_by_role(links[0], name=links[1])).to_be_visible()
    expect(page.get_by_role("button", name="Show")).to_be_visible()
    wide.close()


@pytest.mark.parametrize(
    ("name", "query"),
    [("timeline", "?kind=picnic"), ("people", "?letter=1")],
)
def test_a_filter_left_out_opens_the_filters_on_a_phone(browser, site, name, query):
    """The message says to choose from the lists above: they are shown."""
    public_page = FILTERS[name][0]
    phone = phone_context(browser)
    page = phone.new_page()
    page.goto(site.url + public_page.path().split("?")[0] + query)
    expect(page.get_by_role("alert")).to_be_visible()
    for role, label in FILTERS[name][2]:
        expect(page.get_by_role(role, name=label)).to_be_visible()
    phone.close()


#: Pages shot at both widths: {file name: page of the shared list}.
SCREENSHOT_PAGES = {
    "home": "home",
    "participants": "participants",
    "person": "person",
    "search": "search-results",
    "timeline": "timeline",
    "open-data": "open-data",
}


@pytest.mark.parametrize("name", SCREENSHOT_PAGES)
def test_full_page_screenshots_at_phone_and_wide_widths(browser, site, name):
    """test-artifacts/screenshots/<page>-390.png and <page>-1366.png, for a look."""
    public_page = PAGES_BY_NAME[SCREENSHOT_PAGES[name]]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for viewport, is_mobile in ((PHONE, True), (WIDE, False)):
        context = browser.new_context(
            viewport=viewport, is_mobile=is_mobile, device_scale_factor=1
        )
        page = context.new_page()
        response = page.goto(site.url + public_page.path())
        assert response.status == 200
        check_shows(public_page, response.text())
        assert page.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"
        ), f"{name} scrolls sideways at {viewport['width']} px"
        path = SCREENSHOTS / f"{name}-{viewport['width']}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        context.close()
