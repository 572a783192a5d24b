"""CSV import and export are permissions of their own; the Data stewards group."""

from django.db import migrations, models

CSV_MODELS = ("country", "source", "meeting", "attendance", "pledge")


def _permissions(apps, codenames):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(
        content_type__app_label="dialogue", codename__in=codenames
    )


def create_data_stewards(apps, schema_editor):
    """Data stewards import and export CSV files; Editors may export them."""
    from django.contrib.auth.management import create_permissions

    # The permissions of the models' Meta are created after all migrations have
    # run; this one needs them now.
    app_config = apps.get_app_config("dialogue")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    stewards, _created = Group.objects.get_or_create(name="Data stewards")
    stewards.permissions.add(
        *_permissions(
            apps,
            [
                f"{action}_{model}"
                for model in CSV_MODELS
                for action in ("import", "export", "view", "add", "change")
            ]
            + ["view_person", "add_person"],
        )
    )
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.add(
            *_permissions(apps, [f"export_{model}" for model in CSV_MODELS])
        )


def remove_data_stewards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name="Data stewards").delete()
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.remove(
            *_permissions(apps, [f"export_{model}" for model in CSV_MODELS])
        )


class Migration(migrations.Migration):

    dependencies = [
        ('dialogue', '0002_editors_group'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='attendance',
            options={'ordering': ['meeting', 'country__name', 'position'], 'permissions': [('import_attendance', 'Can import attendees from CSV'), ('export_attendance', 'Can export attendees as CSV')], 'verbose_name': 'attendee', 'verbose_name_plural': 'attendees'},
        ),
        migrations.AlterModelOptions(
            name='country',
            options={'ordering': ['name'], 'permissions': [('import_country', 'Can import participants from CSV'), ('export_country', 'Can export participants as CSV')], 'verbose_name': 'participant', 'verbose_name_plural': 'participants'},
        ),
        migrations.AlterModelOptions(
            name='meeting',
            options={'ordering': [models.OrderBy(models.F('start_date'), nulls_last=True), 'kind', 'number'], 'permissions': [('import_meeting', 'Can import meetings from CSV'), ('export_meeting', 'Can export meetings as CSV')], 'verbose_name': 'meeting', 'verbose_name_plural': 'meetings'},
        ),
        migrations.AlterModelOptions(
            name='pledge',
            options={'ordering': [models.OrderBy(models.F('announced_on'), nulls_last=True), 'slug'], 'permissions': [('import_pledge', 'Can import pledges from CSV'), ('export_pledge', 'Can export pledges as CSV')], 'verbose_name': 'pledge', 'verbose_name_plural': 'pledges'},
        ),
        migrations.AlterModelOptions(
            name='source',
            options={'ordering': ['title'], 'permissions': [('import_source', 'Can import sources from CSV'), ('export_source', 'Can export sources as CSV')], 'verbose_name': 'source', 'verbose_name_plural': 'sources'},
        ),
        migrations.RunPython(create_data_stewards, remove_data_stewards),
    ]
