"""Any address on a public page: never a 500, never a stray NUL, never another site.

Property-based (Hypothesis, profile "capj" in tests/conftest.py): for every URL
pattern outside the admin, read from the resolver (a new page is covered without
a change here), any text or bytes in each path argument and any query (the names
the page reads, ``page_cache_query``, and any others, with any values), asked by a
visitor or a signed-in editor (who previews drafts), with GET or HEAD, gets 200,
301, 302, 400 or 404 with a page a person can read. Run on SQLite and PostgreSQL
(``python -m tests.pg run ...``). A pattern is tried with three times the profile's
count of inputs (180 in ``make test``; CAPJ_FUZZ_EXAMPLES=N makes it 3N).
What it found is each pinned by an example in tests/test_pages_addresses_headers.py.
"""

import re
from urllib.parse import quote, quote_from_bytes

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from hypothesis import given, settings
from hypothesis import strategies as st

ALLOWED = {200, 301, 302, 400, 404}


def public_patterns(resolver=None, prefix=""):
    """``(route, pattern)`` for every URL pattern but the admin's."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name != "admin":
                yield from public_patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


PATTERNS = dict(public_patterns())
PLACEHOLDER = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>")

#: Values that broke or might break something: NUL and other controls, characters
#: that change length in upper case or when folded, numbers too large for the
#: database, other digits and digits that are no number (``"¹".isdigit()``), dots
#: and slashes, markup, very long text.
NASTY = [
    *("", "\x00", "a\x00", "%00", "\x01", "\x7f", "\r\n", "\t", " ", "\u200b"),
    *("ß", "ﬀ", "İ", "﷽", "ǅ", "Ⅻ", "\ufeff", "\ufffd", "\U0001f600"),
    *("..", "/", "%2F", ".%2e", "//x.example", "\\x.example", "'\"<>&"),
    *("0", "-1", "1.5", "1e9", "٣", "¹", "½", "①", "NaN", "99999999999999999999"),
    "9" * 400,
    *("kz", "KZ", "meetings", "a" * 5000),
]
SHORT = st.text(max_size=10)
#: Any text, each kind about as likely as the others: one of NASTY, text with a
#: NUL in it, short runs of control characters, any Unicode.
ANY_TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.builds("{}\x00{}".format, SHORT, SHORT),
    st.text(st.characters(max_codepoint=0x9F), max_size=8),
    st.text(max_size=200),
)
RAW_BYTES = st.binary(max_size=40).map(lambda raw: quote_from_bytes(raw, safe=""))


def quoted(text):
    return quote(text, safe="")


#: What may be put around a key from the database.
AROUND = ["", "", "\x00", "\x00x", "%", "_", "'", " ", "\n", "/", "ß", "-1", "9" * 30]


def near(keys):
    """A key in the database (so the page is found and the view runs to its end),
    as it is or with something odd before or after it."""
    return st.tuples(
        st.sampled_from(AROUND), st.sampled_from(keys), st.sampled_from(AROUND)
    ).map(lambda parts: quoted("".join(parts)))


def segment(converter, keys):
    """A path argument: a key in the database, text that matches the converter
    (so the view runs), or anything at all."""
    return st.one_of(
        near(keys),
        st.from_regex(converter.regex, fullmatch=True).map(quoted),
        ANY_TEXT.map(quoted),
        RAW_BYTES,
    )


def query(names, keys):
    """A query string: each of the page's own parameters or not, and others, with
    any value (a key in the database, any text, raw bytes: not always UTF-8)."""
    value = st.one_of(near(keys), ANY_TEXT.map(quoted), RAW_BYTES)
    own = st.fixed_dictionaries({}, optional=dict.fromkeys(names, value)).map(
        lambda found: list(found.items())
    )
    others = st.lists(st.tuples(ANY_TEXT.map(quoted), value), max_size=3)
    return st.tuples(own, others).map(
        lambda pairs: "&".join(f"{key}={val}" for key, val in pairs[0] + pairs[1])
    )


@st.composite
def addresses(draw, route, pattern, keys):
    path = "/" + PLACEHOLDER.sub(
        lambda match: draw(segment(pattern.pattern.converters[match["name"]], keys)),
        route,
    )
    names = ["page", *getattr(pattern.callback, "page_cache_query", ())]
    found = draw(query(sorted(set(names)), keys))
    return f"{path}?{found}" if found else path


def database_keys():
    """Every key a public address may hold, drafts' included: slugs, codes (as
    the addresses write them), the open data's kinds, the sitemap's sections,
    page numbers, the meeting kinds, years."""
    from dialogue import opendata
    from dialogue.models import Country, Document, Meeting, Page, Person, Source

    keys = {"1", "2", "2012", *opendata.KINDS, *Meeting.Kind.values}
    for model in (Meeting, Person, Document, Source, Page):
        keys.update(model.objects.values_list("slug", flat=True))
    keys.update(code.lower() for code in Country.objects.values_list("code", flat=True))
    keys.update(["meetings", "people", "participants", "documents", "sources"])
    return sorted(keys)


@pytest.fixture
def clients(seed, editor):
    """A visitor and a signed-in editor; 500s come back as responses, not raised,
    so that Hypothesis sees the status."""
    visitor = Client(raise_request_exception=False)
    staff = Client(raise_request_exception=False)
    staff.force_login(editor)
    return {"visitor": visitor, "editor": staff}


def check(response, method):
    status = response.status_code
    body = response.getvalue()  # a download is streamed
    assert status in ALLOWED, (status, body[:2000])
    assert b"\x00" not in body
    assert b"Traceback" not in body
    if status in (301, 302):
        location = response["Location"]
        assert location.startswith("/") and not location.startswith("//"), location
    if method == "get" and status == 404:
        assert b"<h1>Page not found</h1>" in body
    if method == "get" and status == 400:
        assert b"<h1>Bad request</h1>" in body


@pytest.fixture
def keys(seed):
    return database_keys()


#: Three times the profile's count: an address has many parts (the path's key, each
#: of the page's parameters, others), and a page answers 60 in about half a second.
EXAMPLES = 3 * settings.default.max_examples


@pytest.mark.django_db
@pytest.mark.parametrize("route", PATTERNS)
@settings(max_examples=EXAMPLES)
@given(
    data=st.data(),
    who=st.sampled_from(["visitor", "editor"]),
    method=st.sampled_from(["get", "head"]),
)
def test_any_address_gets_a_page_never_an_error(
    clients, keys, route, data, who, method
):
    address = data.draw(addresses(route, PATTERNS[route], keys), label="address")
    response = getattr(clients[who], method)(address)
    check(response, method)
