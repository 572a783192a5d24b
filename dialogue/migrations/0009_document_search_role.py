"""A document's author's position, folded into a column of its own: search matches
it only through a public author (dialogue/search.py), as the document's page shows
it. The documents already there are folded again, their search text without the
position."""

import unicodedata

from django.db import migrations, models


def fold(text):
    # dialogue.text.fold as it was when this migration was written.
    return unicodedata.normalize("NFKC", text or "").casefold()


def refold_documents(apps, schema_editor):
    Document = apps.get_model("dialogue", "Document")
    documents = list(Document.objects.only("pk", "title", "summary", "author_role"))
    for document in documents:
        document.search_text = "\n".join(
            text for text in (fold(document.title), fold(document.summary)) if text
        )
        document.search_role = fold(document.author_role)
    Document.objects.bulk_update(
        documents, ["search_text", "search_role"], batch_size=1000
    )


class Migration(migrations.Migration):

    dependencies = [
        ("dialogue", "0008_search_text_trigram_indexes"),
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
        migrations.RunPython(refold_documents, migrations.RunPython.noop),
    ]
