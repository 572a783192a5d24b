"""A document's author's position, folded into a column of its own: search matches
it only through a public author (dialogue/search.py), as the document's page shows
it. 0013 folds the documents already there."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("dialogue", "0011_publishing_window"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="search_role",
            field=models.TextField(
                blank=True,
                default="",
                editable=False,
                verbose_name="author's position as search compares it",
            ),
        ),
    ]
