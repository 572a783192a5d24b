import json
from decimal import Decimal

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from dialogue.citations import Citations

register = template.Library()


@register.simple_tag(takes_context=True)
def cite(context, obj):
    """Superscript reference numbers for the sources of ``obj``."""
    citations = context.get("citations")
    if citations is None:
        citations = context["citations"] = Citations()
    return format_html_join(
        "",
        '<sup class="cite"><a href="#ref-{}" title="{}">[{}]</a></sup>',
        ((number, source.title, number) for number, source in citations.cite(obj)),
    )


@register.filter
def amount(value):
    """700000000 -> '700,000,000'; keeps cents only when there are any."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


@register.filter
def short_amount(value):
    """700000000 -> '700 million', for headlines."""
    value = Decimal(value)
    for size, word in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
        if abs(value) >= size:
            scaled = value / size
            text = f"{scaled:,.1f}".removesuffix(".0")
            return f"{text} {word}"
    return amount(value)


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist, self.name = nodelist, name

    def render(self, context):
        # Set where the enclosing template's later tags can read it.
        context.dicts[-1][self.name] = mark_safe(  # noqa: S308 - rendered output
            " ".join(self.nodelist.render(context).split())
        )
        return ""


@register.tag
def capture(parser, token):
    """``{% capture name %}...{% endcapture %}``: render once, use many times.

    base.html captures the ``title`` and ``description`` blocks so that the same
    text fills <title>, the meta description and the OpenGraph tags.
    """
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("Usage: {% capture name %}...")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[1])


_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def json_ld(context, data):
    """A JSON-LD data block, with the CSP nonce when django-csp provides one."""
    if not data:
        return ""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=None)
    text = mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308 - escaped
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


@register.filter
def lines(text):
    """The non-empty lines of a text, stripped (e.g. a person's other names)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@register.simple_tag
def page_numbers(page):
    """The page numbers to link to around ``page``, with ``None`` for a gap."""
    return [
        None if number == page.paginator.ELLIPSIS else number
        for number in page.paginator.get_elided_page_range(
            page.number, on_each_side=2, on_ends=1
        )
    ]
