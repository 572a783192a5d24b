"""Fold the documents already there again: the author's position into its own
column, out of the search text (a migration of its own: the column exists before
any row is written)."""

import unicodedata

from django.db import migrations


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
        ("dialogue", "0012_document_search_role"),
    ]

    operations = [
        migrations.RunPython(refold_documents, migrations.RunPython.noop),
    ]
