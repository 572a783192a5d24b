"""CSV import and export of the Dialogue's data, built on django-import-export.

Five files, one per kind of record, whose columns are a public contract
(``docs/csv-format.md``): countries, sources, meetings, attendees and pledges; three
of them take optional extension columns at the end, which ``export_dataset``
writes. People, documents, their points and pages have files of their own. Rows are
identified by natural keys, never database ids.

- :mod:`.files`: reading and writing the files (size, encoding, CSV syntax,
  spreadsheet formulas);
- :mod:`.widgets`: one cell to one value and back;
- :mod:`.columns`: one column to one model attribute;
- :mod:`.results`: every problem by line and column;
- :mod:`.base` and :mod:`.resources`: one resource per file, on the library's
  ``ModelResource`` (bulk writes, one transaction, all or nothing);
- :mod:`.checks`: the model's own rules (``full_clean``, its constraints in the
  database) reported by line and column;
- :mod:`.dataset`: the files as a whole, for the dataset commands;
- :mod:`.changeset` and :mod:`.undo`: each import as one change set, and undoing it;
- :mod:`.admin`: import and export in the admin.
"""
