"""The editor's journey in a real Chromium: log in, edit a meeting, see it on the
site, import a CSV with an error, read the error, fix it, confirm, see the new
meeting on the site. Also axe on the admin import pages."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dialogue.models import Meeting
from tests.browser.conftest import browser_marks, chromium
from tests.browser.reports import check_axe

pytestmark = browser_marks

FOURTH = "2012-11-10-foreign-ministers-4"
HEADER = (
    "slug,kind,number,title,status,start_date,end_date,city,host,format,summary,sources"
)
ROW = (
    "2014-07-16-foreign-ministers-5,foreign_ministers,5,"
    "5th Foreign Ministers' Meeting in Bishkek,held,2014-07,,Bishkek,{host},"
    "in_person,The ministers met in Kyrgyzstan.,mofa-joint-statement-2004"
)


@pytest.fixture
def browser():
    """Chromium per test here: it must start after the database is set up.

    The groups come from data migrations, so these tests ask for a serialized
    rollback (other tests' flushes of the live-server database remove them). That
    restore happens where the test database was set up; once Playwright's event
    loop runs, Django's connections live in another context that lacks it.
    """
    with chromium() as browser:
        yield browser


@pytest.fixture
def editor(site, django_user_model):
    """A staff user in the Editors and Data stewards groups (not a superuser)."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        "steward", "steward@example.org", "a-long-pass-phrase", is_staff=True
    )
    user.groups.add(*Group.objects.filter(name__in=["Editors", "Data stewards"]))
    assert user.groups.count() == 2
    return user


def log_in(page, site):
    page.goto(site.url + reverse("admin:login"))
    page.get_by_label("Username").fill("steward")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        re.compile("Content|Site administration")
    )


def upload(page, site, import_path, text):
    page.goto(site.url + import_path)
    page.locator('input[name="import_file"]').set_input_files(
        {"name": "meetings.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    formats = page.locator('select[name="format"]')
    if formats.count():
        formats.select_option(label="csv")
    page.get_by_role("button", name="Submit").click()


def test_editor_journey(migration_data, site, editor, page):
    meeting = Meeting.objects.get(slug=FOURTH)
    change_path = reverse("admin:dialogue_meeting_change", args=[meeting.pk])
    import_path = reverse("admin:dialogue_meeting_import")

    log_in(page, site)

    # Edit a meeting and see the change on the public site.
    page.goto(site.url + change_path)
    page.get_by_label("Summary").fill("The ministers met in Tokyo; a new summary.")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.goto(site.url + meeting.get_absolute_url())
    expect(page.locator("main")).to_contain_text(
        "The ministers met in Tokyo; a new summary."
    )

    # Import a file with an unknown country code: nothing saved, the error named.
    upload(page, site, import_path, f"{HEADER}\n{ROW.format(host='XX')}\n")
    problems = page.locator(".import-problems")
    expect(problems).to_contain_text(
        'Line 2, column "host": Unknown country code "XX". Known codes: AF, JP, KG,'
    )
    assert check_axe(page, "admin-import-problems") == []
    assert not Meeting.objects.filter(number=5).exists()

    # Fix the file, preview, confirm.
    upload(page, site, import_path, f"{HEADER}\n{ROW.format(host='KG')}\n")
    expect(page.locator(".import-preview")).to_contain_text("2014-07-16-foreign")
    assert check_axe(page, "admin-import-preview") == []
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".messagelist")).to_contain_text(re.compile("1 new|new"))

    # Imported without a published column, it is a draft until an editor
    # publishes it from the list of drafts.
    # The editor sees it on the timeline, marked as a draft.
    page.goto(site.url + reverse("dialogue:meeting-list"))
    draft_row = page.locator("li.meeting", has_text="5th Foreign Ministers' Meeting")
    expect(draft_row).to_contain_text("Draft")
    page.goto(
        site.url + reverse("admin:dialogue_meeting_changelist") + "?published__exact=0"
    )
    page.get_by_label(
        re.compile("Select this object for an action - 5th Foreign Ministers")
    ).check()
    page.locator('select[name="action"]').select_option("publish")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("1 meeting published.")

    # The new meeting is on the public timeline, its month-only date honest.
    page.goto(site.url + reverse("dialogue:meeting-list"))
    row = page.locator("li.meeting", has_text="5th Foreign Ministers' Meeting")
    expect(row).to_contain_text("July 2014")
    expect(row).not_to_contain_text("Draft")
    expect(row).to_contain_text("Bishkek, Kyrgyzstan")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "5th Foreign Ministers' Meeting in Bishkek"
    )


def test_admin_import_page_has_no_axe_violations(migration_data, site, editor, page):
    import_path = reverse("admin:dialogue_meeting_import")
    log_in(page, site)
    response = page.goto(site.url + import_path)
    assert response.status == 200
    assert check_axe(page, "admin-import-form", response.status) == []


@pytest.mark.parametrize("width", [1366, 1280])
def test_the_meeting_change_form_fits_a_laptop_screen(
    migration_data, site, editor, page, width
):
    """Every field and every inline column, Published and Delete included, is on
    screen without scrolling sideways."""
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, site)
    meeting = Meeting.objects.get(slug=FOURTH)
    page.goto(site.url + reverse("admin:dialogue_meeting_change", args=[meeting.pk]))
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    for name in ("attendances-0-published", "attendances-0-DELETE"):
        box = page.locator(f'input[name="{name}"]').bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, name


def test_the_admin_home_has_no_axe_violations(migration_data, site, editor, page):
    log_in(page, site)
    response = page.goto(site.url + reverse("admin:index"))
    expect(page.locator("#editorial")).to_contain_text("What is waiting")
    assert check_axe(page, "admin-home", response.status) == []
