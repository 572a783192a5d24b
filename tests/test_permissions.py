"""Who may change what in the admin, including through forged requests."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def editors_client(request, db):
    if not Group.objects.filter(name="Editors").exists():
        pytest.skip("the Editors group (migration 0002_editors_group) is not there yet")
    return request.getfixturevalue("editor_client")


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


# --------------------------------------------------------------------------------
# Editors: all content, no users, groups or permissions
# --------------------------------------------------------------------------------


def test_editors_cannot_open_user_or_group_admin(editors_client, editor):
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
        response = editors_client.get(url)
        assert response.status_code == 403, url
        assert "403 Forbidden" in response.content.decode(), url
    index = editors_client.get(reverse("admin:index")).content.decode()
    assert admin_url(User, "changelist") not in index
    assert admin_url(Group, "changelist") not in index
    assert "Authentication and Authorization" not in index


def test_permissions_have_no_admin_pages_at_all():
    with pytest.raises(NoReverseMatch):
        admin_url(Permission, "changelist")


def test_editors_hold_no_permission_over_accounts(editors_client, editor):
    held = editor.get_all_permissions()
    assert held, "the Editors group should grant content permissions"
    assert not [p for p in held if p.startswith("auth.")]


def test_editor_cannot_make_themself_superuser_by_a_forged_post(editors_client, editor):
    response = editors_client.post(
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


def test_editor_cannot_add_users_or_grant_permissions(editors_client, editor):
    before = User.objects.count()
    response = editors_client.post(
        admin_url(User, "add"),
        {"username": "mallory", "password1": "x" * 20, "password2": "x" * 20},
    )
    assert response.status_code == 403
    assert User.objects.count() == before
    editors = Group.objects.get(name="Editors")
    held = set(editors.permissions.values_list("pk", flat=True))
    response = editors_client.post(
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


def test_viewer_cannot_save_a_forged_list_editable_post(viewer_client):
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "dialogue" or not model_admin.list_editable:
            continue
        obj = first_object(model)
        if obj is None:
            continue
        before = snapshot(obj)
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
            if field.get_internal_type() == "BooleanField":
                value = "" if getattr(obj, field.attname) else "on"
            else:
                value = "Forged"
            data[f"form-0-{name}"] = value
        response = viewer_client.post(admin_url(model, "changelist"), data)
        assert response.status_code in {200, 302, 403}, model
        assert snapshot(obj) == before, model
        checked += 1
    if not checked:
        pytest.skip("no content admin with list_editable is registered yet")


def test_viewer_cannot_reach_the_import_pages(viewer_client):
    checked = 0
    for model in registered_models():
        try:
            url = admin_url(model, "import")
        except NoReverseMatch:
            continue
        count = model._default_manager.count()
        assert viewer_client.get(url).status_code == 403, model
        upload = SimpleUploadedFile(
            "rows.csv", b"id\n999999\n", content_type="text/csv"
        )
        response = viewer_client.post(url, {"import_file": upload, "format": "0"})
        assert response.status_code == 403, model
        assert model._default_manager.count() == count, model
        checked += 1
    if not checked:
        pytest.skip("no import URL is registered yet")
