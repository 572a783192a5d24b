"""Documents' files and photos, as visitors fetch them.

Every file is served here, never straight from the storage's folder or bucket, so
that the rule of what visitors may see (``public()``: a file of a draft document,
a photo of a draft meeting, is not public) holds for the files as for the pages.
Staff who may view a kind of record also get its drafts, which no cache keeps.

The response names the type found when the file was uploaded (not one guessed
from a name), forbids browsers to guess another (``nosniff``) and offers a file
name made of the document's slug. A photo's renditions live at addresses that
change with each new upload, so browsers keep them; no shared cache does, so that
an unpublished photo is gone from the site at once. A PDF is revalidated on each
request (its ETag answers 304 while it is unchanged). With object storage
(``MEDIA_SERVE_BY_REDIRECT``) the answer is a redirect to the storage's signed,
short-lived address instead of the bytes.
"""

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from .models import DocumentFile, Photo
from .views import shows_drafts

#: A year: how long browsers keep a rendition of a public photo.
RENDITION_MAX_AGE = 365 * 24 * 60 * 60


def visible(request, model):
    queryset = model.objects.all()
    return queryset if shows_drafts(request, model) else queryset.public()


def is_public(request, record):
    """Whether visitors may fetch ``record``'s file: they are given only those."""
    model = type(record)
    if not shows_drafts(request, model):
        return True
    return model.objects.public().filter(pk=record.pk).exists()


def stored_file(request, record, name, content_type, filename, *, immutable=False):
    """The response for the stored file ``name`` of ``record``."""
    etag = '"{}"'.format(name.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        response = not_modified
    elif settings.MEDIA_SERVE_BY_REDIRECT:
        response = HttpResponseRedirect(
            default_storage.url(
                name,
                parameters={
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": f'inline; filename="{filename}"',
                },
            )
        )
    else:
        try:
            opened = default_storage.open(name, "rb")
        except FileNotFoundError as exc:
            raise Http404("The stored file is missing.") from exc
        response = FileResponse(opened, content_type=content_type, filename=filename)
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    if not is_public(request, record):
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
    elif settings.MEDIA_SERVE_BY_REDIRECT:
        # The signed address expires: browsers may keep the redirect a while.
        patch_cache_control(response, private=True, max_age=60)
    elif immutable:
        patch_cache_control(
            response, private=True, max_age=RENDITION_MAX_AGE, immutable=True
        )
    else:
        patch_cache_control(response, no_cache=True)
    return response


@require_safe
def document_file(request, pk, name):
    record = get_object_or_404(
        visible(request, DocumentFile).select_related("document"), pk=pk
    )
    if name != record.download_name:
        # The document's slug or the file's title changed since the link was made.
        return redirect(record.get_absolute_url(), permanent=True)
    return stored_file(
        request, record, record.file.name, record.content_type, record.download_name
    )


@require_safe
def photo_rendition(request, pk, name):
    record = get_object_or_404(visible(request, Photo).select_related("meeting"), pk=pk)
    for rendition in record.renditions:
        if rendition["name"].rsplit("/", 1)[-1] == name:
            break
    else:
        raise Http404("No such size of this photo.")
    filename = f"{record.meeting.slug}-{record.pk}-{rendition['width']}.webp"
    return stored_file(
        request, record, rendition["name"], "image/webp", filename, immutable=True
    )


@require_safe
def photo_original(request, pk):
    """The photo as uploaded, camera data and all: for staff only."""
    if not shows_drafts(request, Photo):
        raise Http404
    record = get_object_or_404(Photo.objects.select_related("meeting"), pk=pk)
    extension = record.image.name.rsplit(".", 1)[-1]
    filename = f"{record.meeting.slug}-{record.pk}-original.{extension}"
    response = stored_file(
        request, record, record.image.name, record.content_type, filename
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
