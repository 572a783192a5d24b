"""The published dataset for anyone to download, as CSV and as JSON.

The CSV files are the staff export (``dialogue.resources``: the nine files of the
dataset commands, people, documents, document points and pages included; the
contract's columns in the same order, natural keys instead of database ids, partial
dates as ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``, formula-safe cells, a BOM for
spreadsheets) restricted to what the site shows: published rows whose parent is
published too (an attendee of a draft meeting, a point of a draft document). A
published row never points at an unpublished one: such a reference is left empty,
with what describes it (a draft author's position), or left out of a list of
sources, as the record's page leaves them out. The JSON holds the very same rows,
with JSON types instead of strings (a person's other names as a list, one name per
line of the CSV cell).

Every file is written as it is read: the records come from the database
``CHUNK_ROWS`` at a time (their sources read alongside, in the same order) and
leave in pieces of about ``PIECE_BYTES``, so a download takes the same memory
whatever the number of rows, and its first bytes leave before the first query.

Each file is kept on disk once per version of the content (``OPEN_DATA_DIR``):
the first download after a change writes it while sending it, and the next ones
are served from it (``FileResponse``, which the server sends without Python
reading it). Its version, also its ETag, is the content version
(``dialogue.cache``, changed by every save, delete, import and publish) and the
next scheduled publishing or unpublishing (which changes what visitors see with
no write); the JSON's also names the site's address, which the file holds. A
request with that ETag in ``If-None-Match`` gets ``304 Not Modified`` and costs
two reads; ``HEAD`` gets the headers and builds nothing. Neither the ETag nor the
kept file is used where the version cannot be trusted, as the page cache
(``dialogue.page_cache``): with a cache local to one process (another worker's
save would not change it) or inside a database transaction (what it reads may
never be committed). There every download is built afresh.
"""

import contextlib
import csv
import hashlib
import io
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Value
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import content_disposition_header

from .cache import content_version
from .csv.columns import _links
from .csv.dataset import FULL_DATASET
from .csv.files import escape_formula
from .models import next_scheduled_change
from .models.base import public_or_none, public_value
from .page_cache import page_cache_is_on

logger = logging.getLogger(__name__)

LICENCE = {
    "name": "Creative Commons Attribution-ShareAlike 4.0 International",
    "short_name": "CC BY-SA 4.0",
    "url": "https://creativecommons.org/licenses/by-sa/4.0/",
}
ATTRIBUTION = (
    "Central Asia plus Japan Dialogue dataset; texts derived from the encyclopaedia "
    "article “Central Asia plus Japan” (CC BY-SA)."
)

#: kind ("meetings") -> the staff resource for its file ("meetings.csv"), every
#: file of the dataset in the order they are imported.
RESOURCES = {
    resource.file_name.removesuffix(".csv"): resource for resource in FULL_DATASET
}
KINDS = tuple(RESOURCES)
COLUMNS = {kind: tuple(resource.columns()) for kind, resource in RESOURCES.items()}

#: Columns whose referenced record must itself be public (``public_or_none``); a
#: column that describes one (``public_with``) goes with it.
PUBLIC_REFERENCES = ("host", "meeting", "author")

#: Records read from the database at a time, and the size of the pieces sent.
CHUNK_ROWS = 500
PIECE_BYTES = 64 * 1024

JSON_NAME = "capj-dataset.json"
#: A kept file whose writing was cut off (the worker killed) is removed after this.
ABANDONED_SECONDS = 3600


def public_queryset(kind):
    resource = RESOURCES[kind]()
    return resource.get_queryset().public()


def public_resource(kind):
    """The staff resource for ``kind``, exporting only what visitors may see,
    reading its records a chunk at a time."""
    base = RESOURCES[kind]

    class PublicResource(base):
        def iter_queryset(self, queryset):
            queryset = queryset.select_related(*self.related)
            records = queryset.iterator(chunk_size=CHUNK_ROWS)
            if "sources" in self.fields:
                records = with_sources(self._meta.model, queryset, records)
            for obj in records:
                if hasattr(obj, "_csv_sources"):
                    obj._csv_sources = tuple(
                        source for source in obj._csv_sources if source.is_public_now
                    )
                for name in PUBLIC_REFERENCES:
                    if name in self.fields:
                        setattr(obj, name, public_or_none(getattr(obj, name)))
                # Then what describes a reference left out (its author's position).
                for name in obj.public_with:
                    if name in self.fields:
                        setattr(obj, name, public_value(obj, name))
                yield obj

    PublicResource.__name__ = f"Public{base.__name__}"
    return PublicResource()


def with_sources(model, queryset, records):
    """``records`` (of ``queryset``, by id) each with its sources sorted by slug,
    as ``_csv_sources``: the links are read in one more query, by record id too,
    alongside the records, so neither is held in memory as a whole."""
    through, owner = _links(model)
    links = (
        through.objects.filter(**{f"{owner}__in": queryset.order_by().values("pk")})
        .select_related("source")
        .order_by(owner, "source__slug")
        .iterator(chunk_size=CHUNK_ROWS)
    )
    link = next(links, None)
    for obj in records:
        # A link of a record written between the two queries is passed over.
        while link is not None and getattr(link, owner) < obj.pk:
            link = next(links, None)
        sources = []
        while link is not None and getattr(link, owner) == obj.pk:
            sources.append(link.source)
            link = next(links, None)
        obj._csv_sources = tuple(sources)
        yield obj


def headers(kind):
    """The columns of ``kind``'s file, as the staff export names them."""
    return RESOURCES[kind]().get_export_headers()


def rows(kind):
    """The published rows of ``kind``, each a list of cells in the CSV contract
    (the resource's columns, as the staff export writes them), read as needed."""
    if kind not in RESOURCES:
        raise ValueError(f"Unknown kind of record: {kind!r}.")
    resource = public_resource(kind)
    for obj in resource.iter_queryset(public_queryset(kind)):
        yield resource.export_resource(obj)


def pieces(parts):
    """UTF-8 bytes of the strings ``parts``: the first at once (the header, read
    from no table), then the others joined into pieces of about ``PIECE_BYTES``."""
    parts = iter(parts)
    yield next(parts).encode()
    buffer, size = [], 0
    for part in parts:
        buffer.append(part)
        size += len(part)
        if size >= PIECE_BYTES:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


def csv_lines(kind):
    """The file ``kind``.csv line by line, as the staff export writes it
    (``dialogue.csv.files.write_csv``): a BOM, CRLF, formulas neutralised."""
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="\r\n")

    def written(cells):
        line.seek(0)
        line.truncate()
        writer.writerow(cells)
        return line.getvalue()

    yield "\ufeff" + written(headers(kind))
    for row in rows(kind):
        yield written([escape_formula(cell) for cell in row])


def csv_bytes(kind):
    return pieces(csv_lines(kind))


def _typed(column, value):
    """A CSV cell as a JSON value: lists, numbers, booleans, null for empty."""
    if column == "sources":
        return [slug for slug in value.split(";") if slug]
    if column == "other_names":
        return [line.strip() for line in value.splitlines() if line.strip()]
    if value in ("", None):
        return None
    if column in ("number", "menu_order"):
        return int(value)
    if column in ("approximate", "is_quotation"):
        return value == "true"
    return value


def records(kind):
    """The published rows of ``kind`` as dicts, column by column."""
    columns = headers(kind)
    for row in rows(kind):
        yield {
            column: _typed(column, value)
            for column, value in zip(columns, row, strict=True)
        }


def json_parts(source):
    """The whole published dataset as the text of one JSON object, in parts:
    the title, licence, ``source`` (the site's address) and columns, then a list
    of records per kind; the same text as ``json.dumps`` of it all at once."""
    head = {
        "title": "Central Asia plus Japan Dialogue: published dataset",
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "source": source,
        "columns": {kind: list(columns) for kind, columns in COLUMNS.items()},
    }
    yield json.dumps(head, ensure_ascii=False).removesuffix("}")
    for kind in KINDS:
        yield f", {json.dumps(kind)}: ["
        for number, record in enumerate(records(kind)):
            if number:
                yield ", "
            yield json.dumps(record, ensure_ascii=False)
        yield "]"
    yield "}"


def json_bytes(source):
    return pieces(json_parts(source))


def counts_query():
    """How many published rows each file holds, as ``(kind, rows)`` pairs: one count
    per kind, each over the same rows as its file, in a single UNION ALL."""
    parts = [
        RESOURCES[kind]
        ._meta.model.objects.public()
        .order_by()
        .annotate(dataset_file=Value(kind))
        .values("dataset_file")
        .annotate(rows=Count("pk"))
        .values_list("dataset_file", "rows")
        for kind in KINDS
    ]
    return parts[0].union(*parts[1:], all=True)


def counts():
    """How many published rows each file holds, e.g. ``{"meetings": 6, ...}``."""
    found = dict(counts_query())
    # A kind with no public rows counts 0, whether or not the database gave a row.
    return {kind: found.get(kind, 0) for kind in KINDS}


# Downloads -------------------------------------------------------------------


def file_version(name, *extra):
    """The version of the file ``name`` now, the same on every worker until the
    content changes; None where the content version cannot be trusted. Read before
    the rows, so that a file built during a write is filed under a version that the
    write's commit makes stale."""
    if connection.in_atomic_block or not page_cache_is_on(cache):
        return None
    try:
        version = content_version()
        moment = next_change(version)
    except Exception:  # the cache being down must not stop a download
        logger.exception("Content version unavailable; the download is built")
        return None
    digest = hashlib.sha256("\n".join([name, version, moment, *extra]).encode())
    return digest.hexdigest()[:32]


def next_change(version):
    """The next scheduled publishing or unpublishing, as text, read from the
    database once per content version and again once it has passed: the moments
    change only with a write, which changes the version. (Read every time, it took
    0.3 s with 300,000 people: no index has the moments.)"""
    key = f"{settings.CACHE_MIDDLEWARE_KEY_PREFIX}:open-data-next-change:{version}"
    now = timezone.now()
    stored = cache.get(key)
    if stored is None or (stored[0] is not None and stored[0] <= now):
        stored = (next_scheduled_change(now),)
        cache.set(key, stored, settings.CACHE_MIDDLEWARE_SECONDS)
    return str(stored[0])


def download(request, name, content, *, content_type, as_attachment, extra=()):
    """The file ``name`` for ``request``: 304 for a copy the client has, the kept
    file, or ``content()`` (bytes in pieces) sent and kept as it goes. ``extra``:
    what else the file's bytes depend on, for its version."""
    version = file_version(name, *extra)
    etag = None if version is None else f'"{version}"'
    response = None
    if etag is not None:
        response = get_conditional_response(request, etag=etag)
    if response is None:
        path = None if version is None else kept_path(name, version)
        kept = _open(path)
        if kept is not None:
            response = FileResponse(kept, content_type=content_type)
        else:
            body = content() if path is None else kept_while_sent(path, content())
            response = StreamingHttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment, name
        )
        if request.method == "HEAD":
            # The headers of a GET, and nothing read: a server reads a body out.
            response.streaming_content = ()
    if etag is not None:
        response["ETag"] = etag
        patch_cache_control(response, no_cache=True)
    return response


def kept_path(name, version):
    stem, _, suffix = name.rpartition(".")
    return Path(settings.OPEN_DATA_DIR) / f"{stem}.{version}.{suffix}"


def _open(path):
    try:
        return None if path is None else path.open("rb")
    except OSError:  # not kept yet, or removed for a newer version meanwhile
        return None


def kept_while_sent(path, body):
    """``body``, written to a temporary file as it is sent and renamed to
    ``path`` once complete (never a part of a file under its name). Not keeping it
    (a full disk, a folder not writable) does not stop the download."""
    started = time.time()
    part = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part = tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False
        )
    except OSError:
        logger.exception("Could not keep the open-data file %s", path.name)
    complete = False
    try:
        for piece in body:
            if part is not None:
                try:
                    part.write(piece)
                except OSError:
                    logger.exception("Could not keep the open-data file %s", path.name)
                    part = _discard(part)
            yield piece
        complete = True
    finally:
        body.close()
        if part is not None and not complete:  # the client went away
            _discard(part)
        elif part is not None:
            try:
                part.close()
                os.replace(part.name, path)
                _remove_older(path, started)
            except OSError:
                logger.exception("Could not keep the open-data file %s", path.name)
                _discard(part)


def _discard(part):
    """Close and remove the temporary file ``part``; None, as it is no more."""
    with contextlib.suppress(OSError):  # a full disk refuses the last bytes
        part.close()
    Path(part.name).unlink(missing_ok=True)
    return None


def _remove_older(path, started):
    """Remove this file's earlier versions, finished before this one started
    (one finished since may be the current version), and parts long abandoned."""
    stem, suffix = path.name.split(".", 1)[0], path.suffix
    now = time.time()
    old = [
        other
        for other in path.parent.glob(f"{stem}.*{suffix}")
        if other != path and _mtime(other) < started
    ]
    old += [
        other
        for other in path.parent.glob(f".{stem}.*.part")
        if _mtime(other) < now - ABANDONED_SECONDS
    ]
    for other in old:
        other.unlink(missing_ok=True)


def _mtime(path):
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")
