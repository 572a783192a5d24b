"""Request-level safeguards: client address, absolute session lifetime, upload cap,
addresses the database cannot read."""

import ipaddress
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.redirects.middleware import RedirectFallbackMiddleware
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.core.files.uploadhandler import FileUploadHandler
from django.http import Http404, HttpResponseBadRequest
from django.template import TemplateDoesNotExist, loader
from django.urls import Resolver404, resolve
from django.utils.html import escape

LOGIN_AT_KEY = "_capj_login_at"


def _valid_ip(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request):
    """The visitor's address, trusting X-Forwarded-For only from our own proxies.

    Each of the TRUSTED_PROXY_COUNT reverse proxies in front of the app appends the
    address it received the request from, so the client is the N-th entry from the
    right. Entries further left were sent by the client and are ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h]
    if len(hops) < count:
        return remote
    return _valid_ip(hops[-count]) or remote


def _stamp_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = int(time.time())


# This module is imported with the middleware, before any request is handled.
user_logged_in.connect(_stamp_login, dispatch_uid="capj.security.stamp_login")


class AbsoluteSessionLifetimeMiddleware:
    """Log a user out SESSION_ABSOLUTE_AGE seconds after login, however active.

    Django renews a session's expiry each time it is saved; this caps the whole
    life of a login instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            login_at = request.session.setdefault(LOGIN_AT_KEY, now)
            if now - login_at > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
        return self.get_response(request)


class VisibleRedirectFallbackMiddleware(RedirectFallbackMiddleware):
    """``django.contrib.redirects``, following an old address only to a page the
    requester may see.

    A record's old address answers 301 to its new one (dialogue/signals.py); for a
    draft that would tell visitors its new slug. The target's own view judges, as
    it judges a request for the new address: its ``get_object()`` (visitors: the
    public records; staff who may preview: drafts too) raises 404, and then the
    old address stays a 404. A target that is not one record's page is followed
    as Django follows it.
    """

    def process_response(self, request, response):
        redirect = super().process_response(request, response)
        if redirect is response or "Location" not in redirect:
            return redirect
        if target_is_visible(request, redirect["Location"]):
            return redirect
        return response


def target_is_visible(request, location):
    """Whether the record page at ``location`` shows ``request``'s requester a
    record (True for an address that is not one record's page)."""
    address = urlsplit(location)
    if address.scheme or address.netloc:
        return True  # another site's page
    try:
        match = resolve(address.path)
    except Resolver404:
        return True
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not hasattr(view_class, "get_object"):
        return True
    view = view_class(**match.func.view_initkwargs)
    view.setup(request, *match.args, **match.kwargs)
    try:
        view.get_object()
    except Http404:
        return False
    return True


#: Room in a multipart body for the form's other fields and the part headers, so
#: that a CSV file of exactly CSV_IMPORT_MAX_BYTES still reaches the import form.
MULTIPART_ALLOWANCE = 64 * 1024


def is_csv_import(request):
    """Whether ``request`` is to an admin CSV import page (its upload step)."""
    match = getattr(request, "resolver_match", None)
    return bool(
        match
        and "admin" in match.namespaces
        and (match.url_name or "").endswith("_import")
    )


#: The admin forms that take documents' files and meetings' photos (the records'
#: own and their parents', with inlines): dialogue/media_admin.py.
MEDIA_FORMS = frozenset(
    f"dialogue_{model}_{view}"
    for model in ("document", "documentfile", "meeting", "photo")
    for view in ("add", "change")
)


def is_media_upload(request):
    """Whether ``request`` is to an admin form that takes files or photos."""
    match = getattr(request, "resolver_match", None)
    return bool(match and "admin" in match.namespaces and match.url_name in MEDIA_FORMS)


def upload_limit(request):
    """The largest multipart body accepted: FILE_UPLOAD_MAX_SIZE, or on an import
    page enough for the largest CSV file an import accepts, or on a form with
    files and photos MEDIA_UPLOAD_MAX_BYTES, if that is more.

    On an import page, a file over CSV_IMPORT_MAX_BYTES but within this limit is
    read and refused by the import form, which says how large it is; so is a file
    or photo over its own cap by the media forms (dialogue/uploads.py).
    """
    limit = settings.FILE_UPLOAD_MAX_SIZE
    if is_csv_import(request):
        limit = max(limit, settings.CSV_IMPORT_MAX_BYTES + MULTIPART_ALLOWANCE)
    elif is_media_upload(request):
        limit = max(limit, settings.MEDIA_UPLOAD_MAX_BYTES + MULTIPART_ALLOWANCE)
    return limit


class SizeLimitedUploadHandler(FileUploadHandler):
    """Refuse a multipart body larger than :func:`upload_limit` before reading it."""

    def handle_raw_input(
        self, input_data, META, content_length, boundary, encoding=None
    ):
        limit = upload_limit(self.request)
        if content_length > limit:
            raise RequestDataTooBig(
                f"Upload of {content_length} bytes exceeds the limit of {limit} bytes."
            )
        return None

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


class NulInAddress(SuspiciousOperation):
    """The address has a NUL character (``%00``) in its path or its query."""


NUL_MESSAGE = (
    "The address holds a NUL character (%00), which no address on this site has."
)


class RefuseNulMiddleware:
    """Answer 400 to an address with a NUL character anywhere in its path or query,
    and ignore a cookie with one.

    PostgreSQL's text columns cannot hold NUL: a path key (``/people/%00/``) or a
    filter (``?donor=%00``, the admin's ``?kind__exact=%00``) that reaches a query
    fails there (``DataError``, a 500), where SQLite merely finds nothing. Django's
    forms refuse NUL, but the views and the admin read keys and filters from the
    address without one; this one check, before any of them (and before the old
    addresses of ``django.contrib.redirects``, looked up by path), covers every
    page. Django answers the exception with ``handler400`` and logs it under
    ``django.security.NulInAddress``.

    A cookie is no address: a session cookie written ``"abcdefgh\\000..."`` (Django
    reads the octal escape as NUL) is dropped before the session is looked up, so
    the request goes on as a visitor's without one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in name or any("\x00" in value for value in values)
            for name, values in request.GET.lists()
        ):
            raise NulInAddress(NUL_MESSAGE)
        for name, value in list(request.COOKIES.items()):
            if "\x00" in name or "\x00" in value:
                del request.COOKIES[name]
        return self.get_response(request)


def _megabytes(size):
    return f"{size / (1024 * 1024):g} MB"


def bad_request(request, exception=None):
    """The 400 page, saying which limit a refused request went over."""
    if isinstance(exception, RequestDataTooBig) and is_csv_import(request):
        from dialogue.csv.files import too_large_message  # the import form's words

        size = int(request.META.get("CONTENT_LENGTH") or 0)
        message = too_large_message(size)
    elif isinstance(exception, RequestDataTooBig) and is_media_upload(request):
        message = (
            f"The upload is too large: one save may send at most "
            f"{_megabytes(settings.MEDIA_UPLOAD_MAX_BYTES)} of files (a PDF file at "
            f"most {_megabytes(settings.MEDIA_PDF_MAX_BYTES)}, a photo at most "
            f"{_megabytes(settings.MEDIA_IMAGE_MAX_BYTES)}): add fewer at a time."
        )
    elif isinstance(exception, RequestDataTooBig):
        limit = max(settings.FILE_UPLOAD_MAX_SIZE, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        message = (
            f"The upload is too large: files may be at most "
            f"{_megabytes(settings.FILE_UPLOAD_MAX_SIZE)} and a request at most "
            f"{_megabytes(limit)}."
        )
    elif isinstance(exception, TooManyFieldsSent):
        message = (
            f"Too many fields were sent at once (the limit is "
            f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,}): select fewer rows."
        )
    elif isinstance(exception, NulInAddress):
        message = NUL_MESSAGE
    else:
        message = "The request could not be understood."
    try:
        body = loader.get_template("400.html").render({"message": message}, request)
    except TemplateDoesNotExist:
        body = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            "<title>Bad request</title></head><body><main><h1>Bad request</h1>"
            f"<p>{escape(message)}</p></main></body></html>"
        )
    return HttpResponseBadRequest(body)
