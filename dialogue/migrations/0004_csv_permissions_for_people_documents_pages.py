"""CSV import and export of people, documents, their points and pages: Data
stewards import and export them, Editors export them."""

from django.db import migrations, models

CSV_MODELS = ("person", "document", "documentpoint", "page")


def _permissions(apps, codenames):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(
        content_type__app_label="dialogue", codename__in=codenames
    )


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("dialogue")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    stewards = Group.objects.get(name="Data stewards")
    stewards.permissions.add(
        *_permissions(
            apps,
            [
                f"{action}_{model}"
                for model in CSV_MODELS
                for action in ("import", "export", "view", "add", "change")
            ],
        )
    )
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.add(
            *_permissions(apps, [f"export_{model}" for model in CSV_MODELS])
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    # view_person and add_person came with the group, in 0003.
    codenames = [
        f"{action}_{model}"
        for model in CSV_MODELS
        for action in ("import", "export", "add", "change", "view")
        if f"{action}_{model}" not in ("view_person", "add_person")
    ]
    stewards = Group.objects.filter(name="Data stewards").first()
    if stewards is not None:
        stewards.permissions.remove(*_permissions(apps, codenames))
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.remove(
            *_permissions(apps, [f"export_{model}" for model in CSV_MODELS])
        )


class Migration(migrations.Migration):

    dependencies = [
        ('dialogue', '0003_csv_import_export_permissions'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='document',
            options={'ordering': [models.OrderBy(models.F('date'), nulls_last=True), 'title'], 'permissions': [('import_document', 'Can import documents from CSV'), ('export_document', 'Can export documents as CSV')], 'verbose_name': 'document', 'verbose_name_plural': 'documents'},
        ),
        migrations.AlterModelOptions(
            name='documentpoint',
            options={'ordering': ['document', 'number'], 'permissions': [('import_documentpoint', 'Can import document points from CSV'), ('export_documentpoint', 'Can export document points as CSV')], 'verbose_name': 'document point', 'verbose_name_plural': 'document points'},
        ),
        migrations.AlterModelOptions(
            name='page',
            options={'ordering': ['menu_order', 'title'], 'permissions': [('import_page', 'Can import pages from CSV'), ('export_page', 'Can export pages as CSV')], 'verbose_name': 'page', 'verbose_name_plural': 'pages'},
        ),
        migrations.AlterModelOptions(
            name='person',
            options={'ordering': ['name'], 'permissions': [('import_person', 'Can import people from CSV'), ('export_person', 'Can export people as CSV')], 'verbose_name': 'person', 'verbose_name_plural': 'people'},
        ),
        migrations.RunPython(grant, revoke),
    ]
