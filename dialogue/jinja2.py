"""The Jinja2 environment of the public pages (``templates/``): the functions and
filters they call, in place of the tags and filters of Django's template language.

The admin keeps Django's template language; the public pages render with Jinja2,
which needs far fewer Python calls for a page. Django's safe strings
(``format_html``, ``mark_safe``) pass through unescaped.
"""

import json
from collections import namedtuple
from collections.abc import Iterable
from decimal import Decimal
from itertools import groupby

import jinja2
from django.core.serializers.json import DjangoJSONEncoder
from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.timezone import template_localtime
from jinja2 import pass_context
from markupsafe import Markup, escape

from .share_cards import share_card

#: What ``regroup`` returns for each group, named as by Django's ``{% regroup %}``.
GroupedResult = namedtuple("GroupedResult", ["grouper", "list"])


def url(name, *args, **kwargs):
    """``url("dialogue:meeting-detail", meeting.slug)``: the path of a named view."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


@pass_context
def querystring(context, query_dict=None, **kwargs):
    """Django's ``{% querystring %}``: the request's query with the given keys set
    (a value of None removes its key), as ``?a=1&b=2``; '' if there is none."""
    if query_dict is None:
        query_dict = context["request"].GET
    params = query_dict.copy()
    for key, value in kwargs.items():
        if value is None:
            if key in params:
                del params[key]
        elif isinstance(value, Iterable) and not isinstance(value, str):
            params.setlist(key, value)
        else:
            params[key] = value
    if not params and not query_dict:
        return ""
    return f"?{params.urlencode()}"


@pass_context
def cite(context, obj):
    """Superscript reference numbers for the sources of ``obj``, numbered by the
    page's one :class:`~dialogue.citations.Citations` (``includes/references.html``
    lists them at the foot of the page)."""
    citations = context.get("citations")
    if citations is None:
        raise LookupError(
            "cite() needs the page's citations in the context: give the view "
            "dialogue.citations.CitationsMixin."
        )
    # Jinja2's own escape (markupsafe), not format_html_join: a page of a hundred
    # cited rows spent an eighth of its time there (cProfile, person page at 100x).
    return Markup(
        "".join(
            f'<sup class="cite"><a href="#ref-{number}" title="{escape(source.title)}">'
            f"[{number}]</a></sup>"
            for number, source in citations.cite(obj)
        )
    )


_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@pass_context
def json_ld_script(context, data):
    """A JSON-LD data block, with the CSP nonce when django-csp provides one."""
    if not data:
        return ""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=None)
    text = Markup(text.translate(_JSON_SCRIPT_ESCAPES))
    request = context.get("request")
    nonce = getattr(request, "csp_nonce", None) if request is not None else None
    if nonce is not None:
        # django-csp's lazy nonce reads as false until used; str() makes it and
        # puts it into the response's policy.
        nonce = str(nonce)
    if nonce:
        return format_html(
            '<script type="application/ld+json" nonce="{}">{}</script>', nonce, text
        )
    return format_html('<script type="application/ld+json">{}</script>', text)


def page_numbers(page):
    """The page numbers to link to around ``page``, with ``None`` for a gap."""
    return [
        None if number == page.paginator.ELLIPSIS else number
        for number in page.paginator.get_elided_page_range(
            page.number, on_each_side=2, on_ends=1
        )
    ]


def amount(value):
    """700000000 -> '700,000,000'; keeps cents only when there are any."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def short_amount(value):
    """700000000 -> '700 million', for headlines."""
    value = Decimal(value)
    for size, word in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
        if abs(value) >= size:
            scaled = value / size
            text = f"{scaled:,.1f}".removesuffix(".0")
            return f"{text} {word}"
    return amount(value)


def lines(text):
    """The non-empty lines of a text, stripped (e.g. a person's other names)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def date(value, format_string=None):
    """Django's ``date`` filter: ``published_on|date("j F Y")``; '' for no date."""
    return defaultfilters.date(template_localtime(value), format_string)


def regroup(items, path):
    """Django's ``{% regroup %}``: runs of consecutive items with the same value at
    ``path`` (dotted, None where a step is missing), in the items' order, each as
    ``(grouper, list)``. Jinja2's ``groupby`` would sort them instead."""
    names = path.split(".")

    def key(item):
        for name in names:
            item = getattr(item, name, None)
        return item

    return [GroupedResult(grouper, list(run)) for grouper, run in groupby(items, key)]


def squash(value):
    """Runs of whitespace as one space, e.g. a rendered title used in three tags."""
    text = " ".join(str(value).split())
    return Markup(text) if hasattr(value, "__html__") else text


def environment(**options):
    # Templates end with a newline, and their includes' output keeps it, as before.
    options.setdefault("keep_trailing_newline", True)
    env = jinja2.Environment(**options)
    env.globals.update(
        # Not json_ld: views pass the page's data under that name.
        json_ld_script=json_ld_script,
        url=url,
        static=static,
        querystring=querystring,
        cite=cite,
        page_numbers=page_numbers,
        share_card=share_card,
    )
    env.filters.update(
        amount=amount,
        short_amount=short_amount,
        lines=lines,
        date=date,
        regroup=regroup,
        squash=squash,
        capfirst=capfirst,
        pluralize=defaultfilters.pluralize,
        truncatewords=defaultfilters.truncatewords,
        # Django's (245.0 KB), not Jinja2's (decimal, 250.9 kB).
        filesizeformat=defaultfilters.filesizeformat,
    )
    return env
