"""An admin import's upload between its two steps: where it waits, byte for byte,
and who may confirm it.

The preview step keeps the upload under a random name and gives the page a name
signed for this user and this kind of record; the confirm step reads only an
upload whose signed name it gets back, within ``CSV_IMPORT_UPLOAD_SECONDS``.
Uploads not confirmed within that time are removed: by the cache's own expiry, or,
for files, at the next upload.
"""

import datetime
import os
import re
from uuid import uuid4

from django.conf import settings
from django.core import signing
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone
from import_export.tmp_storages import CacheStorage, MediaStorage

#: How long an upload waits for its confirm step by default, in seconds.
DEFAULT_UPLOAD_SECONDS = 60 * 60

#: The names uploads are stored under: random, and nothing else.
UPLOAD_NAME = re.compile(r"[0-9a-f]{32}\Z")

SALT = "dialogue.csv.uploads"


def upload_seconds():
    """How long an upload waits for its confirm step (``CSV_IMPORT_UPLOAD_SECONDS``)."""
    return getattr(settings, "CSV_IMPORT_UPLOAD_SECONDS", DEFAULT_UPLOAD_SECONDS)


def upload_wait():
    """How long an upload waits, in words: "1 hour", "30 minutes"."""
    seconds = upload_seconds()
    for unit, length in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= length and seconds % length == 0 or unit == "second":
            count = seconds // length
            return f"{count} {unit}{'' if count == 1 else 's'}"


def _checked(name):
    if not isinstance(name, str) or not UPLOAD_NAME.match(name):
        raise FileNotFoundError("No such upload in the import storage.")
    return name


class CachedUpload(CacheStorage):
    """An upload in the shared cache (Redis): every app server finds it, the cache
    keeps the bytes as they were sent, and expires them after
    ``CSV_IMPORT_UPLOAD_SECONDS``."""

    CACHE_PREFIX = "capj-csv-upload-"

    def save(self, data):
        self.name = uuid4().hex
        cache.set(self.CACHE_PREFIX + self.name, bytes(data), upload_seconds())

    def read(self):
        data = cache.get(self.CACHE_PREFIX + _checked(self.name))
        if data is None:
            raise FileNotFoundError(f"The upload {self.name} is no longer stored.")
        return data

    def remove(self):
        cache.delete(self.CACHE_PREFIX + _checked(self.name))


class StoredUpload(MediaStorage):
    """An upload as a file of the ``import_export`` storage (``STORAGES``), read
    back in binary mode, so that line breaks stay as they were sent.

    The library's ``MediaStorage``, on the project's storages (the library makes
    a storage of its own on every use, so an in-memory storage would forget the
    upload between the two steps), with random names only, and with uploads older
    than ``CSV_IMPORT_UPLOAD_SECONDS`` removed at each upload (no cache expires
    them here).
    """

    FOLDER = "csv-imports"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.MEDIA_FOLDER = self.FOLDER

    def _configure_storage(self):
        name = "import_export" if "import_export" in settings.STORAGES else "default"
        self._storage = storages[name]

    def save(self, data):
        self.remove_expired()
        self.name = uuid4().hex
        self._storage.save(self.get_full_path(), ContentFile(bytes(data)))

    def read(self):
        _checked(self.name)
        with self._storage.open(self.get_full_path(), mode="rb") as file:
            return file.read()

    def remove(self):
        _checked(self.name)
        self._storage.delete(self.get_full_path())

    def remove_expired(self):
        """Remove the uploads that waited longer than their confirm step may."""
        try:
            _folders, names = self._storage.listdir(self.FOLDER)
        except FileNotFoundError:
            return
        oldest = timezone.now() - datetime.timedelta(seconds=upload_seconds())
        for name in names:
            path = os.path.join(self.FOLDER, name)
            try:
                if self._storage.get_modified_time(path) < oldest:
                    self._storage.delete(path)
            except OSError:
                continue  # removed meanwhile by another worker


def import_storage(**kwargs):
    """Where an admin import's upload waits for its confirm step
    (``IMPORT_EXPORT_TMP_STORAGE_CLASS``).

    Both keep the bytes as sent (the library's default, ``TempFolderStorage``,
    reads them back as text, turning ``\\r\\n`` and a lone ``\\r`` into ``\\n``).
    With a shared cache (Redis), in the cache, where every app server finds it and
    which expires it by itself. With a cache local to one process (``locmem://``
    of ``make run``, or none) the other workers could not see it there, so as a
    file of the ``import_export`` storage: a private folder of this machine by
    default, seen by all its workers (several servers without a shared cache
    would point that storage at a shared one).
    """
    if isinstance(caches["default"], LocMemCache | DummyCache):
        return StoredUpload(**kwargs)
    return CachedUpload(**kwargs)


class UploadRefused(Exception):
    """The confirm step named an upload it may not import; the message says why."""


def sign_upload(name, user, model):
    """The name the preview page gives the confirm step: ``name``, for ``user``
    importing ``model``'s records."""
    return signing.dumps([name, user.pk, model._meta.label_lower], salt=SALT)


def signed_upload(token, user, model):
    """The upload named by ``token`` if ``user`` uploaded it for importing
    ``model``'s records, within the time an upload waits; else
    :class:`UploadRefused`."""
    try:
        name, user_pk, label = signing.loads(token, salt=SALT, max_age=upload_seconds())
    except signing.SignatureExpired:
        raise UploadRefused(
            "The uploaded file is no longer available: an upload waits "
            f"{upload_wait()} for its confirmation. Nothing was imported; upload "
            "it again."
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        name = user_pk = label = None
    if user_pk != user.pk or label != model._meta.label_lower or not name:
        raise UploadRefused(
            "This confirmation does not name a file you uploaded for this import, "
            "so nothing was imported. Upload the file again."
        )
    return name
