from decimal import Decimal

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from dialogue.citations import Citations

register = template.Library()


@register.simple_tag(takes_context=True)
def cite(context, obj):
    """Superscript reference numbers for the sources of ``obj``."""
    citations = context.get("citations")
    if citations is None:
        citations = context["citations"] = Citations()
    html = render_to_string("includes/cite.html", {"refs": citations.cite(obj)})
    return mark_safe(html.strip())  # noqa: S308 - the template escaped its values


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
