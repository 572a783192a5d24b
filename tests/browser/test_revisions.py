"""Revisions and undoable imports in a real Chromium: edit a meeting's title and
attendees, compare the versions, revert to the earlier one; import a CSV, then
undo it, and the dataset is byte for byte what it was. axe on every new page."""

import io
import re

from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from dialogue.models import ImportChangeSet, Meeting
from tests.browser.conftest import browser_marks
from tests.browser.reports import check_axe
from tests.browser.test_editor import (  # noqa: F401 (browser, editor: fixtures)
    HEADER,
    ROW,
    browser,
    editor,
    log_in,
    upload,
)

pytestmark = browser_marks

FOURTH = "2012-11-10-foreign-ministers-4"


def attendees(meeting):
    return sorted(
        (a.display_name, a.position) for a in meeting.attendances.select_related()
    )


def test_edit_a_meeting_then_revert_it(migration_data, site, editor, page):  # noqa: F811
    meeting = Meeting.objects.get(slug=FOURTH)
    title, people = meeting.title, attendees(meeting)
    assert len(people) >= 2
    log_in(page, site)

    # Edit the title and the attendees: one position changed, one removed.
    page.goto(site.url + reverse("admin:dialogue_meeting_change", args=[meeting.pk]))
    page.get_by_label("Title").fill("Tokyo, retitled")
    page.locator('input[name="attendances-0-position"]').fill("Acting Minister")
    page.locator('input[name="attendances-1-DELETE"]').check()
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert attendees(meeting) != people

    # The history: two versions, compared field by field.
    page.goto(site.url + reverse("admin:dialogue_meeting_change", args=[meeting.pk]))
    page.get_by_role("link", name="History").first.click()
    expect(page.locator("#change-history")).to_contain_text("2 versions")
    assert check_axe(page, "admin-history") == []
    page.get_by_role("button", name="Compare").click()
    diff = page.locator("table.history-diff")
    expect(diff).to_contain_text("Tokyo, retitled")
    expect(diff).to_contain_text(title)
    expect(diff).to_contain_text("Attendees")
    assert check_axe(page, "admin-history-compare") == []

    # Revert to the earlier version: the title and the attendees come back.
    compare_url = page.url
    page.goto(site.url + reverse("admin:dialogue_meeting_change", args=[meeting.pk]))
    change_form = rules(check_axe(page, "admin-meeting-change-form"))
    page.goto(compare_url)
    page.get_by_role("link", name=re.compile("^Restore the version of")).click()
    expect(page.locator("#content")).to_contain_text("Save to restore it")
    # The revert page is the meeting's change form, filled in from the version:
    # it adds no violation of its own to those of Django's inline rows.
    assert rules(check_axe(page, "admin-history-revert")) <= change_form
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    meeting.refresh_from_db()
    assert meeting.title == title
    assert attendees(meeting) == people


def rules(violations):
    """The axe rules violated, from check_axe's lines ("rule-id: …")."""
    return {line.split(":", 1)[0] for line in violations}


def export(directory):
    call_command("export_dataset", str(directory), stdout=io.StringIO())
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_import_a_csv_then_undo_it(
    migration_data,
    site,
    editor,  # noqa: F811 (the fixture imported above)
    page,
    tmp_path,
):
    before = export(tmp_path / "before")
    log_in(page, site)

    upload(
        page,
        site,
        reverse("admin:dialogue_meeting_import"),
        f"{HEADER}\n{ROW.format(host='KG')}\n",
    )
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".messagelist")).to_contain_text("1 new")
    assert export(tmp_path / "imported") != before

    # Past imports: who, when, which file, what it did.
    page.goto(site.url + reverse("admin:dialogue_importchangeset_changelist"))
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("steward")
    expect(row).to_contain_text("meetings.csv")
    assert check_axe(page, "admin-past-imports") == []
    row.get_by_role("link").first.click()
    expect(page.locator("#content")).to_contain_text("Deletes the 1 record it added")
    assert check_axe(page, "admin-past-import") == []
    page.get_by_role("button", name="Undo this import").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "The import of meetings.csv was undone"
    )
    assert ImportChangeSet.objects.get().undone_at is not None
    assert export(tmp_path / "after") == before
