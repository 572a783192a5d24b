"""The Editors group: content work, no deleting participants, no user management."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = (
    "source",
    "country",
    "person",
    "meeting",
    "attendance",
    "pledge",
    "document",
    "documentpoint",
    "page",
)
UNDELETABLE = {"country"}


def create_editors(apps, schema_editor):
    app_config = apps.get_app_config("dialogue")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [
        f"{action}_{model}"
        for model in MODELS
        for action in ("add", "change", "view", "delete")
        if not (action == "delete" and model in UNDELETABLE)
    ]
    editors, _created = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(
        Permission.objects.filter(
            content_type__app_label="dialogue", codename__in=codenames
        )
    )


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dialogue", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
