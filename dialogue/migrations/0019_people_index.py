"""The people index: each person's sort key and A–Z group, stored and indexed so
that a letter's page is one index range (dialogue.text.initial_group)."""

from django.db import migrations, models

from dialogue.text import initial_group, sort_key


def fill_index_columns(apps, schema_editor):
    """Sort and group the people already there, as Person.fold_search_text does."""
    person = apps.get_model("dialogue", "Person")
    batch = []
    for record in person.objects.only("pk", "name").order_by("pk").iterator(2000):
        record.sort_name = sort_key(record.name)
        record.name_initial = initial_group(record.name)
        batch.append(record)
        if len(batch) == 2000:
            person.objects.bulk_update(batch, ["sort_name", "name_initial"])
            batch = []
    if batch:
        person.objects.bulk_update(batch, ["sort_name", "name_initial"])


class Migration(migrations.Migration):

    dependencies = [
        ('dialogue', '0018_meeting_title_made'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='name_initial',
            field=models.CharField(blank=True, default='', editable=False, max_length=10, verbose_name='group in the index'),
        ),
        migrations.AddField(
            model_name='person',
            name='sort_name',
            field=models.TextField(blank=True, default='', editable=False, verbose_name='name as the index sorts it'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['sort_name', 'id'], name='person_sort_name'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['name_initial', 'sort_name', 'id'], name='person_initial'),
        ),
        migrations.RunPython(fill_index_columns, migrations.RunPython.noop),
    ]
