"""Who may change what in the admin, including through forged requests."""

import csv
import io
import re

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import NoReverseMatch, reverse

from dialogue.csv.admin import CsvAdminMixin
from dialogue.models import CsvJob, Document, ImportChangeSet, Meeting, Page
from tests.factories import make_document_file, make_photo

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


# --------------------------------------------------------------------------------
# Editors: all content, no users, groups or permissions
# --------------------------------------------------------------------------------


def test_editors_cannot_open_user_or_group_admin(editor_client, editor):
    editors = Group.objects.get(name="Editors")
    for url in [
        admin_url(User, "changelist"),
        admin_url(User, "add"),
        admin_url(User, "change", editor.pk),
        admin_url(User, "password_change", editor.pk),
        admin_url(User, "delete", editor.pk),
        admin_url(Group, "changelist"),
        admin_url(Group, "add"),
        admin_url(Group, "change", editors.pk),
    ]:
        response = editor_client.get(url)
        assert response.status_code == 403, url
        assert "403 Forbidden" in response.content.decode(), url
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert admin_url(User, "changelist") not in index
    assert admin_url(Group, "changelist") not in index
    assert "Authentication and Authorization" not in index


def test_permissions_have_no_admin_pages_at_all():
    with pytest.raises(NoReverseMatch):
        admin_url(Permission, "changelist")


def test_editors_hold_no_permission_over_accounts(editor_client, editor):
    held = editor.get_all_permissions()
    assert held, "the Editors group should grant content permissions"
    assert not [p for p in held if p.startswith("auth.")]


def test_editor_cannot_make_themself_superuser_by_a_forged_post(editor_client, editor):
    response = editor_client.post(
        admin_url(User, "change", editor.pk),
        {
            "username": editor.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 403
    editor.refresh_from_db()
    assert editor.is_superuser is False


def test_editor_cannot_add_users_or_grant_permissions(editor_client, editor):
    before = User.objects.count()
    response = editor_client.post(
        admin_url(User, "add"),
        {"username": "mallory", "password1": "x" * 20, "password2": "x" * 20},
    )
    assert response.status_code == 403
    assert User.objects.count() == before
    editors = Group.objects.get(name="Editors")
    held = set(editors.permissions.values_list("pk", flat=True))
    response = editor_client.post(
        admin_url(Group, "change", editors.pk),
        {
            "name": "Editors",
            "permissions": list(Permission.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 403
    assert set(editors.permissions.values_list("pk", flat=True)) == held


# --------------------------------------------------------------------------------
# A view-only staff user changes nothing
# --------------------------------------------------------------------------------


def registered_models():
    """auth.User and every registered content model, each with one saved object."""
    models = [User]
    models += [
        model for model in admin.site._registry if model._meta.app_label == "dialogue"
    ]
    return models


@pytest.fixture
def viewer(db, seed):
    """A staff user allowed only to view: every model's view permission."""
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    perms = Permission.objects.filter(codename__startswith="view_")
    user.user_permissions.set(perms)
    User.objects.create_user("target", first_name="Untouched")
    # The seed has no files or photos: one of each.
    make_document_file(Document.objects.order_by("pk").first())
    make_photo(Meeting.objects.order_by("pk").first())
    return user


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


def first_object(model):
    if model is User:
        return User.objects.get(username="target")
    return model._default_manager.order_by("pk").first()


def snapshot(obj):
    obj = type(obj)._default_manager.get(pk=obj.pk)
    return model_to_dict(obj)


def test_viewer_can_read_but_not_change(viewer_client):
    for model in registered_models():
        obj = first_object(model)
        if obj is None:
            continue
        page = viewer_client.get(admin_url(model, "change", obj.pk))
        assert page.status_code == 200, model
        assert 'name="_save"' not in page.content.decode(), model
        before = snapshot(obj)
        data = {
            field.name: "Forged"
            for field in model._meta.concrete_fields
            if field.get_internal_type() in {"CharField", "TextField"}
        }
        forged = viewer_client.post(admin_url(model, "change", obj.pk), data)
        assert forged.status_code == 403, model
        assert snapshot(obj) == before, model
        added = viewer_client.post(admin_url(model, "add"), data)
        assert added.status_code == 403, model
        deleted = viewer_client.post(
            admin_url(model, "delete", obj.pk), {"post": "yes"}
        )
        assert deleted.status_code == 403, model
        assert model._default_manager.filter(pk=obj.pk).exists(), model


def test_viewer_cannot_delete_through_a_changelist_action(viewer_client):
    for model in registered_models():
        obj = first_object(model)
        if obj is None:
            continue
        count = model._default_manager.count()
        response = viewer_client.post(
            admin_url(model, "changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [str(obj.pk)],
                "post": "yes",
            },
            follow=True,
        )
        assert response.status_code == 200, model
        assert model._default_manager.count() == count, model


def changed_value(field, value):
    """A valid new value for a list_editable field, different from the old."""
    if isinstance(field, models.BooleanField):
        return "" if value else "on"
    if isinstance(field, models.IntegerField):
        return str(value + 1)
    if isinstance(field, models.CharField | models.TextField):
        return f"{value} (changed)"
    raise AssertionError(f"no changed value for {field!r}: add one here")


def list_editable_post(model, model_admin, obj):
    """The changelist form as a browser submits it, every editable value changed."""
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(obj.pk),
        "_save": "Save",
    }
    for name in model_admin.list_editable:
        field = model._meta.get_field(name)
        data[f"form-0-{name}"] = changed_value(field, getattr(obj, field.attname))
    return data


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="pw"))
    return client


def test_viewer_cannot_save_a_forged_list_editable_post(
    viewer_client, superuser_client
):
    editable = {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if model_admin.list_editable
    }
    assert editable[Page].list_editable == ("menu_order",)
    for model, model_admin in editable.items():
        obj = first_object(model)
        before = snapshot(obj)
        data = list_editable_post(model, model_admin, obj)
        response = viewer_client.post(admin_url(model, "changelist"), data)
        assert response.status_code == 403, model
        assert "403 Forbidden" in response.content.decode(), model
        assert snapshot(obj) == before, model
        # The same post from someone allowed to change is a valid edit.
        saved = superuser_client.post(admin_url(model, "changelist"), data)
        assert saved.status_code == 302, (model, saved.content.decode()[:2000])
        assert snapshot(obj) != before, model


def test_viewer_cannot_reach_the_import_pages(viewer_client):
    csv_admins = [
        model
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, CsvAdminMixin)
    ]
    assert Meeting in csv_admins
    for model in csv_admins:
        url = admin_url(model, "import")
        count = model._default_manager.count()
        assert viewer_client.get(url).status_code == 403, model
        upload = SimpleUploadedFile(
            "rows.csv", b"id\n999999\n", content_type="text/csv"
        )
        response = viewer_client.post(url, {"import_file": upload, "format": "0"})
        assert response.status_code == 403, model
        assert model._default_manager.count() == count, model


# --------------------------------------------------------------------------------
# The import's confirm step and the publishing actions, forged by a viewer
# --------------------------------------------------------------------------------


def confirm_form(preview):
    """The hidden fields of the preview's confirm form, as a browser posts them."""
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', preview.content.decode()))
    names = ("import_file_name", "original_file_name", "format", "resource")
    return {name: fields[name] for name in names}


def retitled_meetings_csv(superuser_client, meeting):
    """The admin's CSV export of meetings with one meeting's title changed."""
    export = superuser_client.post(
        admin_url(Meeting, "export"), {"format": "0", "resource": "0"}
    )
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    row = next(row for row in rows if row["slug"] == meeting.slug)
    row["title"] = "Forged title"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue().encode()


def test_viewer_cannot_confirm_an_import_previewed_by_someone_else(
    viewer_client, superuser_client
):
    meeting = Meeting.objects.order_by("pk").first()
    preview = superuser_client.post(
        admin_url(Meeting, "import"),
        {
            "import_file": SimpleUploadedFile(
                "meetings.csv",
                retitled_meetings_csv(superuser_client, meeting),
                content_type="text/csv",
            ),
            "format": "0",
            "resource": "0",
        },
    )
    assert "meetings.csv: 0 new, 1 updated, 0 unchanged." in preview.content.decode()
    data = confirm_form(preview)
    history = LogEntry.objects.count()

    response = viewer_client.post(admin_url(Meeting, "process_import"), data)
    assert response.status_code == 403
    assert "403 Forbidden" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).title == meeting.title
    assert LogEntry.objects.count() == history

    # The upload was there to confirm: its own previewer still can.
    done = superuser_client.post(admin_url(Meeting, "process_import"), data)
    assert done.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).title == "Forged title"


def test_viewer_cannot_post_any_import_confirm_form(viewer_client):
    csv_admins = [
        model
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, CsvAdminMixin)
    ]
    for model in csv_admins:
        count = model._default_manager.count()
        response = viewer_client.post(
            admin_url(model, "process_import"),
            {
                "import_file_name": "anything",
                "original_file_name": "rows.csv",
                "format": "0",
                "resource": "0",
            },
        )
        assert response.status_code == 403, model
        assert "403 Forbidden" in response.content.decode(), model
        assert model._default_manager.count() == count, model


def content_models():
    """The kinds of record editors write (not the admin's lists of past imports
    and of background jobs)."""
    return [
        model
        for model in admin.site._registry
        if model._meta.app_label == "dialogue"
        and model not in (ImportChangeSet, CsvJob)
    ]


@pytest.mark.parametrize(
    "action, before, done",
    [("publish", False, "published."), ("unpublish", True, "unpublished.")],
)
def test_viewer_cannot_publish_or_unpublish_by_a_forged_action(
    viewer_client, superuser_client, action, before, done
):
    published = [m for m in content_models() if hasattr(m, "published")]
    assert len(published) == len(content_models()) - 1  # all but the series
    for model in published:
        offered = superuser_client.get(admin_url(model, "changelist"))
        assert f'<option value="{action}">' in offered.content.decode(), model
        obj = first_object(model)
        model._default_manager.filter(pk=obj.pk).update(published=before)
        snap = snapshot(obj)
        post = {
            "action": action,
            "select_across": "0",
            "index": "0",
            "_selected_action": [str(obj.pk)],
        }
        message = f"1 {model._meta.verbose_name} {done}"
        response = viewer_client.post(admin_url(model, "changelist"), post)
        assert response.status_code == 200, model
        page = response.content.decode()
        assert f'<option value="{action}">' not in page, model
        assert message not in page, model
        assert snapshot(obj) == snap, model
        # The same post from someone allowed to change does change it.
        changed = superuser_client.post(
            admin_url(model, "changelist"), post, follow=True
        )
        assert message in changed.content.decode(), model
        assert model._default_manager.get(pk=obj.pk).published is not before, model
