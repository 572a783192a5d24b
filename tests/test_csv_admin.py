"""CSV import and export through the admin: the two import steps with a real upload,
refusals, permissions, history, and exports honouring the list's filters."""

import re
from html import unescape

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dialogue.models import Attendance, Country, Meeting, Person
from tests.factories import make_country, make_meeting, make_person, make_source

HEADER = (
    "slug,kind,number,title,status,start_date,end_date,city,host,format,summary,sources"
)
ROW = (
    "2014-07-16-foreign-ministers-5,foreign_ministers,5,5th Foreign Ministers' "
    "Meeting,held,2014-07-16,,Bishkek,KZ,in_person,,mofa-2012"
)


@pytest.fixture
def base(db):
    make_country("KZ")
    make_source(slug="mofa-2012")
    make_meeting(slug="2012-11-10-foreign-ministers-4", number=4, title="Tokyo 2012")


def upload(client, text, name="meetings.csv", model="meeting"):
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return client.post(
        reverse(f"admin:dialogue_{model}_import"),
        {
            "import_file": SimpleUploadedFile(name, data, content_type="text/csv"),
            "format": "0",
            "resource": "0",
        },
    )


def confirm_fields(response):
    html = response.content.decode()
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', html))


def confirm(client, response, model="meeting"):
    fields = confirm_fields(response)
    data = {
        key: fields[key]
        for key in ("import_file_name", "original_file_name", "format", "resource")
        if key in fields
    }
    return client.post(reverse(f"admin:dialogue_{model}_process_import"), data)


def text_of(response):
    markup = response.content.decode()
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)).strip())


def test_upload_preview_and_confirm(base, steward_client, steward):
    text = f"{HEADER}\n{ROW}\n" + (
        "2012-11-10-foreign-ministers-4,foreign_ministers,4,Tokyo 2012,held,"
        "2012-11-10,,Osaka,,,,\n"
    )
    preview = upload(steward_client, text)
    page = text_of(preview)
    assert "meetings.csv: 1 new, 1 updated, 0 unchanged." in page
    assert "2 new 2014-07-16-foreign-ministers-5" in page
    assert (
        "3 updated 2012-11-10-foreign-ministers-4 — Tokyo 2012 (10 November 2012) "
        "city: “Tokyo” → “Osaka”" in page
    )
    assert not Meeting.objects.filter(number=5).exists()  # a preview saves nothing

    done = confirm(steward_client, preview)
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:dialogue_meeting_changelist")
    changelist = text_of(steward_client.get(done["Location"]))
    assert (
        "Import of meetings.csv finished: 1 new, 1 updated, 0 unchanged meetings."
        in changelist
    )
    meeting = Meeting.objects.get(number=5)
    assert meeting.host.code == "KZ"
    assert Meeting.objects.get(number=4).city == "Osaka"

    history = LogEntry.objects.filter(user=steward)
    summary = history.get(object_id=None)
    assert summary.change_message == (
        "Imported meetings.csv (2 rows): 1 new, 1 updated, 0 unchanged."
    )
    assert summary.object_repr == "Import of meetings.csv"
    added = history.get(action_flag=ADDITION)
    assert (added.object_id, added.change_message) == (
        str(meeting.pk),
        "Added by importing meetings.csv.",
    )
    changed = history.get(action_flag=CHANGE, object_id__isnull=False)
    assert changed.change_message == "Changed city by importing meetings.csv."


def test_importing_the_same_file_again_shows_every_row_unchanged(base, steward_client):
    text = f"{HEADER}\n{ROW}\n"
    confirm(steward_client, upload(steward_client, text))
    preview = upload(steward_client, text)
    assert "meetings.csv: 0 new, 0 updated, 1 unchanged." in text_of(preview)
    assert "2 unchanged 2014-07-16-foreign-ministers-5" in text_of(preview)


def test_the_preview_names_the_people_an_import_will_create(base, steward_client):
    make_person("Koichiro Gemba")
    text = (
        "meeting,person,position,country,capacity\n"
        "2012-11-10-foreign-ministers-4,Koichiro Genba,Minister,KZ,delegate\n"
        "2012-11-10-foreign-ministers-4,<b>Taro</b>,Minister,KZ,delegate\n"
        "2012-11-10-foreign-ministers-4,Koichiro Gemba,Minister,KZ,delegate\n"
    )
    preview = upload(steward_client, text, name="attendees.csv", model="attendance")
    page = text_of(preview)
    assert (
        "This import will add 2 new people. Check the names before you confirm: a "
        "name spelt differently from an existing person's makes another person. "
        'Line 2, column "person": new person "Koichiro Genba". Did you mean '
        '"Koichiro Gemba"? Line 3, column "person": new person "<b>Taro</b>".' in page
    )
    assert "<b>Taro</b>" not in preview.content.decode()
    assert "attendees.csv: 3 new, 0 updated, 0 unchanged." in page
    assert "Confirm import" in page
    assert (Person.objects.count(), Attendance.objects.count()) == (1, 0)

    done = confirm(steward_client, preview, model="attendance")
    assert done.status_code == 302
    assert "new person" not in text_of(steward_client.get(done["Location"]))
    assert (Person.objects.count(), Attendance.objects.count()) == (3, 3)


@pytest.fixture
def uploads_dir(tmp_path, settings):
    """Where the admin keeps an upload between the preview and the confirm."""
    settings.STORAGES = {
        **settings.STORAGES,
        "import_export": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    folder = tmp_path / "csv-imports"
    folder.mkdir()
    return folder


def test_uploads_are_not_left_behind(base, steward_client, uploads_dir):
    preview = upload(steward_client, f"{HEADER}\n{ROW}\n")
    assert len(list(uploads_dir.iterdir())) == 1  # kept for the confirm step
    confirm(steward_client, preview)
    assert list(uploads_dir.iterdir()) == []
    upload(steward_client, f"{HEADER}\n{ROW.replace(',KZ,', ',XX,')}\n")
    assert list(uploads_dir.iterdir()) == []  # refused: nothing to confirm


def test_a_bad_row_is_listed_and_there_is_no_confirm_button(base, steward_client):
    before = Meeting.objects.count()
    bad = ROW.replace(",KZ,", ",<script>alert(1)</script>,")
    response = upload(steward_client, f"{HEADER}\n{bad}\n")
    html = response.content.decode()
    page = text_of(response)
    assert "Nothing was imported: 1 problem to fix" in page
    assert (
        'Line 2, column "host": Unknown country code "<script>alert(1)</script>". '
        "Known codes: KZ. Add the country to countries.csv first, or correct the "
        "code." in page
    )
    assert "Confirm import" not in page
    assert Meeting.objects.count() == before
    assert "<script>alert(1)</script>" not in html


def test_html_in_cells_is_escaped_in_the_preview(base, steward_client):
    row = ROW.replace("5th", "<script>alert(1)</script>")
    response = upload(steward_client, f"{HEADER}\n{row}\n")
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            f"{HEADER}\n{ROW.replace('Bishkek', 'Bişkek')}\n".encode("cp1254"),
            "The file is not UTF-8 text",
        ),
        (b"", "The submitted file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "The file is not UTF-8 text"),
        (b"slug\x00,kind\n", "This is not a CSV file: it contains binary data."),
        (
            f"{HEADER}\n".encode(),
            "The file has no rows below the header: nothing to import.",
        ),
    ],
)
def test_unreadable_uploads_are_refused(base, steward_client, data, message):
    before = Meeting.objects.count()
    response = upload(steward_client, data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert "Confirm import" not in text_of(response)
    assert Meeting.objects.count() == before


def test_upload_over_the_cap_is_refused(base, steward_client, settings):
    settings.CSV_IMPORT_MAX_BYTES = 200
    text = f"{HEADER}\n{ROW}\n{ROW}\n"
    response = upload(steward_client, text)
    assert (
        f"The file is {len(text)} bytes; the largest file accepted is 200 bytes. "
        "Split it into smaller files." in text_of(response)
    )
    assert not Meeting.objects.filter(number=5).exists()


def big_meetings_file(size):
    """meetings.csv of at least ``size`` bytes: new meetings with long summaries."""
    rows = [HEADER]
    number = 10
    while sum(len(row) + 1 for row in rows) < size:
        number += 1
        rows.append(
            ROW.replace("-5,foreign_ministers,5,", f"-{number},foreign_ministers,5,")
            .replace(",5,", f",{number},", 1)
            .replace(",in_person,,", f",in_person,{'x' * 50_000},")
        )
    return "\n".join(rows) + "\n"


def test_upload_over_the_request_limit_names_the_import_cap(
    base, steward_client, settings, uploads_dir
):
    """Too large for the upload handler: refused unread, and the page a person
    reads names the import's own cap, not the general upload limit."""
    settings.FILE_UPLOAD_MAX_SIZE = 1024 * 1024
    settings.CSV_IMPORT_MAX_BYTES = 512 * 1024
    response = upload(steward_client, big_meetings_file(1536 * 1024))
    assert response.status_code == 400
    assert (
        "The file is 1.5 MB; the largest file accepted is 512.0 KB. Split it into "
        "smaller files." in text_of(response)
    )
    assert Meeting.objects.count() == 1
    assert list(uploads_dir.iterdir()) == []
    # Elsewhere (a form that takes no files), the general limit is named as before.
    response = steward_client.post(
        reverse("admin:dialogue_source_add"),
        {"file": SimpleUploadedFile("big.csv", b"x" * 1536 * 1024)},
    )
    assert response.status_code == 400
    assert "files may be at most 1 MB" in text_of(response)


def test_an_import_cap_above_the_upload_limit_can_be_reached(
    base, steward_client, settings
):
    settings.FILE_UPLOAD_MAX_SIZE = 256 * 1024
    settings.CSV_IMPORT_MAX_BYTES = 1024 * 1024
    preview = upload(steward_client, big_meetings_file(600 * 1024))
    assert "meetings.csv: 13 new, 0 updated, 0 unchanged." in text_of(preview)
    assert confirm(steward_client, preview).status_code == 302
    assert Meeting.objects.count() == 14

    response = upload(steward_client, big_meetings_file(1100 * 1024))
    assert response.status_code == 400
    assert (
        "The file is 1.1 MB; the largest file accepted is 1.0 MB. Split it into "
        "smaller files." in text_of(response)
    )
    assert Meeting.objects.count() == 14


def test_confirm_refuses_what_changed_since_the_preview(base, steward_client):
    preview = upload(steward_client, f"{HEADER}\n{ROW}\n")
    Country.objects.filter(code="KZ").delete()  # the host went away meanwhile
    response = confirm(steward_client, preview)
    assert response.status_code == 200
    assert "Nothing was imported: 1 problem to fix" in text_of(response)
    assert not Meeting.objects.filter(number=5).exists()


def test_a_tampered_confirm_form_is_not_an_error_page(base, steward_client):
    preview = upload(steward_client, f"{HEADER}\n{ROW}\n")
    fields = confirm_fields(preview)
    for resource in ("5", "-3", "x"):
        fields["resource"] = resource
        url = reverse("admin:dialogue_meeting_process_import")
        response = steward_client.post(url, fields)
        assert response.status_code in (200, 302), resource
    assert Meeting.objects.filter(number=5).count() == 1


def test_confirm_after_the_file_is_gone(base, steward_client, uploads_dir):
    preview = upload(steward_client, f"{HEADER}\n{ROW}\n")
    fields = confirm_fields(preview)
    for stored in uploads_dir.iterdir():
        stored.unlink()
    response = steward_client.post(
        reverse("admin:dialogue_meeting_process_import"), fields, follow=True
    )
    assert "The uploaded file is no longer available; upload it again." in text_of(
        response
    )
    assert not Meeting.objects.filter(number=5).exists()


# --- Who may do it ---------------------------------------------------------------


def test_editors_may_export_but_not_import(base, editor_client):
    changelist = text_of(
        editor_client.get(reverse("admin:dialogue_meeting_changelist"))
    )
    assert "Export" in changelist
    assert "Import" not in changelist
    assert (
        editor_client.get(reverse("admin:dialogue_meeting_import")).status_code == 403
    )
    before = Meeting.objects.count()
    assert upload(editor_client, f"{HEADER}\n{ROW}\n").status_code == 403
    response = editor_client.post(
        reverse("admin:dialogue_meeting_process_import"),
        {
            "import_file_name": "anything",
            "original_file_name": "meetings.csv",
            "format": "0",
        },
    )
    assert response.status_code == 403
    assert Meeting.objects.count() == before


def test_a_steward_confirm_cannot_be_replayed_by_an_editor(
    base, steward_client, editor
):
    preview = upload(steward_client, f"{HEADER}\n{ROW}\n")
    steward_client.force_login(editor)
    assert confirm(steward_client, preview).status_code == 403
    assert not Meeting.objects.filter(number=5).exists()


def test_staff_without_the_permissions_get_403_everywhere(base, client):
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_meeting"))
    client.force_login(user)
    for name in ("import", "export"):
        assert client.get(reverse(f"admin:dialogue_meeting_{name}")).status_code == 403


def test_superusers_may_import(base, client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    preview = upload(client, f"{HEADER}\n{ROW}\n")
    assert confirm(client, preview).status_code == 302
    assert Meeting.objects.filter(number=5).exists()


@pytest.mark.parametrize(
    "model", ["country", "source", "meeting", "attendance", "pledge"]
)
def test_every_kind_can_be_imported_and_exported(base, steward_client, model):
    assert (
        steward_client.get(reverse(f"admin:dialogue_{model}_import")).status_code == 200
    )
    export = steward_client.post(
        reverse(f"admin:dialogue_{model}_export"), {"format": "0", "resource": "0"}
    )
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert export.content.startswith(b"\xef\xbb\xbf")


# --- Export ----------------------------------------------------------------------


def test_export_is_formula_safe_with_a_bom_and_the_contract_columns(
    base, editor_client
):
    make_meeting(slug="formula", title='=HYPERLINK("x")', number=None)
    response = editor_client.post(
        reverse("admin:dialogue_meeting_export"), {"format": "0", "resource": "0"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="meetings-')
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff" + HEADER + "\r\n")
    assert '\'=HYPERLINK(""x"")' in text


def test_export_honours_the_search(base, editor_client):
    make_meeting(slug="osaka-meeting", title="Osaka gathering", number=None)
    url = reverse("admin:dialogue_meeting_export") + "?q=Osaka"
    response = editor_client.post(url, {"format": "0", "resource": "0"})
    rows = response.content.decode("utf-8").splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["osaka-meeting"]


def test_export_selected_action(base, editor_client):
    chosen = make_meeting(slug="chosen", title="Chosen", number=None)
    make_meeting(slug="not-chosen", title="Not chosen", number=None)
    form = editor_client.post(
        reverse("admin:dialogue_meeting_changelist"),
        {"action": "export_admin_action", "_selected_action": [chosen.pk]},
    )
    assert form.status_code == 200
    response = editor_client.post(
        reverse("admin:dialogue_meeting_export"),
        {"format": "0", "resource": "0", "export_items": [chosen.pk]},
    )
    rows = response.content.decode("utf-8").splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["chosen"]


def test_groups_from_the_migration(db):
    kinds = {
        "attendance",
        "country",
        "meeting",
        "pledge",
        "source",
        "person",
        "document",
        "documentpoint",
        "page",
    }
    stewards = Group.objects.get(name="Data stewards")
    editors = Group.objects.get(name="Editors")

    def codenames(group, prefix):
        return set(
            group.permissions.filter(codename__startswith=prefix).values_list(
                "codename", flat=True
            )
        )

    assert codenames(stewards, "import_") == {f"import_{k}" for k in kinds}
    assert codenames(stewards, "export_") == {f"export_{k}" for k in kinds}
    assert codenames(editors, "export_") == {f"export_{k}" for k in kinds}
    assert codenames(editors, "import_") == set()


def test_stewards_see_the_import_button(base, steward_client):
    page = text_of(steward_client.get(reverse("admin:dialogue_meeting_changelist")))
    assert "Import" in page and "Export" in page
    form = text_of(steward_client.get(reverse("admin:dialogue_meeting_import")))
    assert (
        "This importer will import the following fields: slug, kind, number, title, "
        "status, start_date, end_date, city, host, format, summary, sources" in form
    )
    assert "A CSV file in UTF-8, at most 5.0 MB" in form
