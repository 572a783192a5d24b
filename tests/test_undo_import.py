"""Every import is one change set: listed in the admin's past imports, and undone in
one step (created records deleted, changed ones restored), or refused, naming the
records edited since; the dataset after an undo is the dataset before, byte for
byte through export_dataset."""

import io
import shutil

import pytest
import reversion
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Version

from dialogue.csv.undo import UndoRefused, undo_import
from dialogue.models import (
    Attendance,
    Country,
    ImportChangeSet,
    Meeting,
    Person,
    Pledge,
    Source,
)
from tests.factories import make_attendance, make_country
from tests.test_csv_admin import confirm, text_of, upload
from tests.test_revisions import form_of

FILES = (
    "sources.csv, countries.csv, meetings.csv, people.csv, attendees.csv, "
    "pledges.csv, documents.csv, document_points.csv, pages.csv"
)
FOURTH = "2012-11-10-foreign-ministers-4"
FIRST = "2004-08-28-foreign-ministers-1"
NEW_MEETING = (
    "2014-07-16-foreign-ministers-5,foreign_ministers,5,5th Foreign Ministers' "
    "Meeting,held,2014-07-16,,Bishkek,KG,in_person,,new-source,,foreign-ministers,"
    "false\n"
)


def export(directory):
    call_command("export_dataset", str(directory), stdout=io.StringIO())
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def import_dir(directory, user="steward"):
    call_command("import_dataset", str(directory), user=user, stdout=io.StringIO())


def edit(directory, name, old, new):
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8", newline="")


def append(directory, name, line):
    with (directory / name).open("a", encoding="utf-8", newline="") as file:
        file.write(line)


@pytest.fixture
def changed_dataset(seed, steward, tmp_path):
    """The seed exported to before/, and a copy changed in every way an import
    can change it: records added (with a new person and new source links),
    fields and source links changed."""
    before = export(tmp_path / "before")
    changed = tmp_path / "changed"
    shutil.copytree(tmp_path / "before", changed)
    edit(
        changed,
        "meetings.csv",
        "Foreign Ministers' Meeting in Astana: the Dialogue is declared",
        "Astana meeting retitled by an import",
    )
    append(
        changed,
        "sources.csv",
        "new-source,A new source,Publisher,,,,false\n",
    )
    append(changed, "meetings.csv", NEW_MEETING)
    append(
        changed,
        "attendees.csv",
        "2014-07-16-foreign-ministers-5,A New Minister,Minister,KG,delegate,false\n"
        f"{FIRST},,Deputy Minister,KZ,delegate,false\n",
    )
    edit(changed, "pledges.csv", "700000000,USD", "800000000,USD")
    edit(
        changed,
        "document_points.csv",
        "Fundamental principles and values",
        "Principles and values reworded",
    )
    return before, changed


def test_undo_restores_the_dataset_byte_for_byte(changed_dataset, steward, tmp_path):
    before, changed = changed_dataset
    import_dir(changed)
    assert export(tmp_path / "imported") != before
    assert Person.objects.filter(name="A New Minister").exists()

    [change_set] = ImportChangeSet.objects.all()
    undo_import(change_set, steward)

    assert export(tmp_path / "after") == before
    assert not Person.objects.filter(name="A New Minister").exists()
    assert not Source.objects.filter(slug="new-source").exists()
    change_set.refresh_from_db()
    assert change_set.undone_by == steward


def test_the_admin_lists_past_imports_and_undoes_one(changed_dataset, steward, client):
    _before, changed = changed_dataset
    import_dir(changed)
    steward.groups.add(*User.objects.get(pk=steward.pk).groups.all())
    client.force_login(steward)

    listing = text_of(client.get(reverse("admin:dialogue_importchangeset_changelist")))
    assert "steward" in listing
    assert FILES in listing
    [change_set] = ImportChangeSet.objects.all()
    # New: a source, a meeting, two attendees (and a person, not a row of its
    # own); updated: a meeting, a pledge, a point.
    assert (change_set.rows_new, change_set.rows_updated) == (4, 3)
    assert change_set.rows_unchanged > 0

    detail_url = reverse("admin:dialogue_importchangeset_change", args=[change_set.pk])
    detail = text_of(client.get(detail_url))
    assert "4 new, 3 updated" in detail
    assert "Deletes the 5 records it added:" in detail
    assert "Person: A New Minister" in detail
    assert "Source: A new source" in detail
    assert "Restores the 3 records it changed as they were before:" in detail
    assert "Pledge: Japan: USD 800,000,000" in detail
    assert "Meeting: Astana meeting retitled by an import (28 August 2004)" in detail

    response = client.post(
        reverse("admin:dialogue_importchangeset_undo", args=[change_set.pk]),
        follow=True,
    )
    page = text_of(response)
    assert f"The import of {FILES} was undone" in page
    assert "was undone: the dataset is as it was before." in page
    assert "Undone on" in page and "by steward" in page
    assert "Undo this import" not in page
    assert Meeting.objects.get(slug=FIRST).title == (
        "Foreign Ministers' Meeting in Astana: the Dialogue is declared"
    )
    assert not Meeting.objects.filter(number=5).exists()


def test_undo_is_refused_naming_records_edited_since(changed_dataset, steward):
    _before, changed = changed_dataset
    import_dir(changed)
    meeting = Meeting.objects.get(slug=FIRST)
    with reversion.create_revision():
        reversion.set_user(steward)
        meeting.summary = "Edited after the import."
        meeting.save()
    [change_set] = ImportChangeSet.objects.all()

    with pytest.raises(UndoRefused) as refusal:
        undo_import(change_set, steward)

    message = str(refusal.value)
    assert message.startswith("This import cannot be undone, because records it")
    assert (
        "the meeting “Astana meeting retitled by an import (28 August 2004)” was "
        "changed (by steward on" in message
    )
    # Nothing was undone: the import's records are as it left them.
    assert Meeting.objects.filter(number=5).exists()
    assert Meeting.objects.get(slug=FIRST).summary == "Edited after the import."
    change_set.refresh_from_db()
    assert change_set.undone_at is None


def test_undo_is_refused_when_records_were_added_to_imported_ones(
    changed_dataset, steward
):
    _before, changed = changed_dataset
    import_dir(changed)
    new_meeting = Meeting.objects.get(number=5, kind="foreign_ministers")
    make_attendance(new_meeting, Country.objects.get(code="UZ"), position="Ambassador")
    [change_set] = ImportChangeSet.objects.all()

    with pytest.raises(UndoRefused) as refusal:
        undo_import(change_set, steward)

    assert "the attendee “Ambassador (UZ) at 5th Foreign Ministers' Meeting” was " in (
        str(refusal.value)
    )
    assert "added since and would be deleted with the records the import added" in (
        str(refusal.value)
    )
    assert Meeting.objects.filter(number=5).exists()
    assert Attendance.objects.filter(position="Ambassador").exists()
    # The records it changed had been restored before the refusal: rolled back.
    assert Meeting.objects.get(slug=FIRST).title == (
        "Astana meeting retitled by an import"
    )


def test_undo_is_refused_when_an_older_record_now_cites_a_new_source(
    changed_dataset, steward
):
    _before, changed = changed_dataset
    import_dir(changed)
    fourth = Meeting.objects.get(slug=FOURTH)
    fourth.sources.add(Source.objects.get(slug="new-source"))
    [change_set] = ImportChangeSet.objects.all()

    with pytest.raises(UndoRefused) as refusal:
        undo_import(change_set, steward)

    assert "now cites the source “A new source” the import added" in str(refusal.value)
    assert Source.objects.filter(slug="new-source").exists()


def test_an_import_is_undone_once(changed_dataset, steward):
    _before, changed = changed_dataset
    import_dir(changed)
    [change_set] = ImportChangeSet.objects.all()
    undo_import(change_set, steward)
    with pytest.raises(UndoRefused, match="already been undone"):
        undo_import(change_set, steward)


def test_the_state_before_the_import_is_recorded_for_records_without_history(
    changed_dataset, steward
):
    _before, changed = changed_dataset
    meeting = Meeting.objects.get(slug=FIRST)
    assert not Version.objects.get_for_object(meeting).exists()  # from the seed
    import_dir(changed)

    versions = list(Version.objects.get_for_object(meeting))
    unchanged = ImportChangeSet.objects.get().rows_unchanged
    assert [v.revision.get_comment() for v in versions] == [
        f"Imported {FILES}: 4 new, 3 updated, {unchanged} unchanged.",
        f"Before importing {FILES}.",
    ]
    assert versions[1].field_dict["title"] == (
        "Foreign Ministers' Meeting in Astana: the Dialogue is declared"
    )
    assert versions[0].field_dict["title"] == "Astana meeting retitled by an import"
    assert {v.revision.user for v in versions} == {steward}


def test_a_failed_or_dry_run_import_records_nothing(changed_dataset, steward):
    _before, changed = changed_dataset
    call_command(
        "import_dataset",
        str(changed),
        dry_run=True,
        user="steward",
        stdout=io.StringIO(),
    )
    assert not ImportChangeSet.objects.exists()
    assert not Version.objects.exists()


BASE_ROW = (
    "2014-07-16-foreign-ministers-5,foreign_ministers,5,5th Foreign Ministers' "
    "Meeting,held,2014-07-16,,Bishkek,KZ,in_person,,mofa-2012"
)
HEADER = (
    "slug,kind,number,title,status,start_date,end_date,city,host,format,summary,sources"
)


def test_an_admin_import_is_a_change_set_and_its_preview_is_not(
    steward_client, steward
):
    from tests.factories import make_source

    make_country("KZ")
    make_source(slug="mofa-2012")
    preview = upload(steward_client, f"{HEADER}\n{BASE_ROW}\n")
    assert not ImportChangeSet.objects.exists()
    confirm(steward_client, preview)

    [change_set] = ImportChangeSet.objects.all()
    assert change_set.file_names == "meetings.csv"
    assert change_set.revision.user == steward
    assert (change_set.rows_new, change_set.rows_updated) == (1, 0)
    meeting = Meeting.objects.get(number=5)
    [version] = Version.objects.get_for_object(meeting)
    assert version.revision == change_set.revision

    undo_import(change_set, steward)
    assert not Meeting.objects.filter(number=5).exists()


def test_editors_may_see_past_imports_but_not_undo_them(changed_dataset, editor_client):
    _before, changed = changed_dataset
    import_dir(changed)
    [change_set] = ImportChangeSet.objects.all()
    detail = text_of(
        editor_client.get(
            reverse("admin:dialogue_importchangeset_change", args=[change_set.pk])
        )
    )
    assert "Undo this import" not in detail
    assert "needs the permission to import each kind of record" in detail
    response = editor_client.post(
        reverse("admin:dialogue_importchangeset_undo", args=[change_set.pk])
    )
    assert response.status_code == 403
    assert Meeting.objects.filter(number=5).exists()


def test_reverting_a_record_to_before_an_import_leaves_the_import_s_others(
    changed_dataset, steward, steward_client
):
    _before, changed = changed_dataset
    import_dir(changed)
    first = Meeting.objects.get(slug=FIRST)
    _imported, before = Version.objects.get_for_object(first)
    assert before.revision.get_comment().startswith("Before importing")
    revert_url = reverse("admin:dialogue_meeting_revision", args=[first.pk, before.pk])
    form = steward_client.get(revert_url)
    assert steward_client.post(revert_url, form_of(form)).status_code == 302

    first.refresh_from_db()
    assert (
        first.title == "Foreign Ministers' Meeting in Astana: the Dialogue is declared"
    )
    assert first.attendances.filter(position="Deputy Minister").exists() is False
    # The pledge the same import changed keeps its imported amount.
    assert str(Pledge.objects.get().amount) == "800000000.00"
