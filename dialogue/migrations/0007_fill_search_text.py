"""Fold the searchable records already there into their new search_text column
(a migration of its own: the column exists before any row is written)."""

import unicodedata

from django.db import migrations

# What each record folds into its search text, as the models had it here.
SEARCH_FIELDS = {
    "meeting": ("title", "summary", "outcomes", "city", "slug"),
    "person": ("name", "other_names"),
    "country": ("name", "code", "summary"),
    "document": ("title", "summary", "author_role"),
    "documentpoint": ("text", "heading"),
    "page": ("title", "summary", "body"),
    "source": ("title", "publisher", "note"),
}


def fold(text):
    # dialogue.text.fold as it was when this migration was written.
    return unicodedata.normalize("NFKC", text or "").casefold()


def fill_search_text(apps, schema_editor):
    """Fold the records already there, as Searchable.fold_search_text does."""
    for model_name, fields in SEARCH_FIELDS.items():
        model = apps.get_model("dialogue", model_name)
        folded = ["search_text"] + (["search_name"] if model_name == "country" else [])
        records = list(model.objects.only("pk", *fields))
        for record in records:
            record.search_text = "\n".join(
                text for name in fields if (text := fold(getattr(record, name)))
            )
            if model_name == "country":
                record.search_name = fold(record.name)
        model.objects.bulk_update(records, folded, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("dialogue", "0006_search_text"),
    ]

    operations = [
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
    ]
