"""Trigram indexes on the folded search text, on PostgreSQL only.

A search is ``search_text LIKE '%words%'``: a B-tree cannot serve that, a trigram
GIN index (pg_trgm's ``gin_trgm_ops``) can. SQLite has neither the extension nor
GIN: there the column is scanned (see dialogue/search.py for the measurement), so
the operations below do nothing on it, either way. The indexes are not in the
models' state (SQLite, which rebuilds a table to alter it, would try to create
them), hence an operation of our own rather than AddIndex.

pg_trgm takes its letters from the database's LC_CTYPE: in a database created
with LC_CTYPE=C (as tests/pg.py makes them) it finds no trigram in a Cyrillic or
Japanese word, and the index then leaves such a search to the table's rows (the
results are the same: PostgreSQL rechecks every row the index hands over).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.migrations.operations.base import Operation


class TrigramExtensionOnPostgreSQL(TrigramExtension):
    """Django's TrigramExtension leaves other databases alone going forwards, but
    looks for pg_extension going backwards (Django 5.2)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


MODELS = ("country", "document", "documentpoint", "meeting", "page", "person", "source")


class AddTrigramIndexOnPostgreSQL(Operation):
    reversible = True

    def __init__(self, model_name):
        self.model_name = model_name

    def index(self):
        return GinIndex(
            fields=["search_text"],
            opclasses=["gin_trgm_ops"],
            name=f"{self.model_name}_search_trgm",
        )

    def deconstruct(self):
        return (self.__class__.__name__, [self.model_name], {})

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            model = to_state.apps.get_model(app_label, self.model_name)
            schema_editor.add_index(model, self.index())

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            model = from_state.apps.get_model(app_label, self.model_name)
            schema_editor.remove_index(model, self.index())

    def describe(self):
        return f"Trigram index on {self.model_name}.search_text (PostgreSQL only)"


class Migration(migrations.Migration):

    dependencies = [
        ("dialogue", "0007_fill_search_text"),
    ]

    operations = [
        TrigramExtensionOnPostgreSQL(),
        *(AddTrigramIndexOnPostgreSQL(name) for name in MODELS),
    ]
