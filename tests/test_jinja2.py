"""The Jinja2 environment of the public pages (dialogue/jinja2.py): escaping, and
the tags and filters of Django's template language it stands in for."""

import datetime
from html import unescape
from types import SimpleNamespace

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from dialogue.citations import Citations
from tests.factories import make_meeting, make_source

NASTY = 'O\'Brien & "Sons" <b>'


def render(source, context=None, request=None):
    return engines["jinja2"].from_string(source).render(context or {}, request)


def test_output_is_escaped():
    html = render("{{ x }}", {"x": NASTY})
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert unescape(html) == NASTY


def test_text_that_reads_like_an_entity_is_escaped_not_respelled():
    html = render("{{ x }}", {"x": "&#39; &#34;"})
    assert unescape(html) == "&#39; &#34;"
    html = render("{{ \"it's\" }} {{ x ~ '\"' }}", {"x": NASTY})
    assert unescape(html) == "it's " + NASTY + '"'


def test_safe_strings_are_not_escaped_again():
    html = format_html("<em>{}</em>", NASTY)
    assert render("{{ x }}", {"x": html}) == str(html)
    assert render("{{ x }}", {"x": mark_safe("<b>ok</b>")}) == "<b>ok</b>"


def test_join_escapes_items_and_separator():
    html = render('{{ x|join(" & ") }}', {"x": ["D'Arc", "<i>"]})
    assert "<i>" not in html
    assert unescape(html) == "D'Arc & <i>"


def test_default_with_true_replaces_any_false_value_as_djangos_default():
    template = '{{ x|default("—", true) }}'
    assert [render(template, {"x": x}) for x in ("", None, 0, "a")] == [
        "—",
        "—",
        "—",
        "a",
    ]
    assert render(template) == "—"


def test_date_filter_formats_as_django_and_leaves_no_date_empty():
    template = '{{ d|date("j F Y") }}'
    assert render(template, {"d": datetime.date(2012, 11, 10)}) == "10 November 2012"
    assert render(template, {"d": None}) == ""


def test_regroup_keeps_the_order_and_groups_only_consecutive_items():
    items = [
        SimpleNamespace(heading="B", start=datetime.date(2005, 1, 1)),
        SimpleNamespace(heading="B", start=datetime.date(2005, 3, 1)),
        SimpleNamespace(heading="", start=None),
        SimpleNamespace(heading="A", start=datetime.date(2004, 1, 1)),
        SimpleNamespace(heading="B", start=datetime.date(2006, 1, 1)),
    ]
    template = (
        "{% for group in items|regroup(path) %}"
        "{{ group.grouper }}:{{ group.list|length }};{% endfor %}"
    )
    assert render(template, {"items": items, "path": "heading"}) == ("B:2;:1;A:1;B:1;")
    assert render(template, {"items": items, "path": "start.year"}) == (
        "2005:2;None:1;2004:1;2006:1;"
    )


def test_querystring_replaces_a_key_of_the_request_query_and_escapes_it():
    query = "?kind=summit&x=%3Cb%3E&x=2&page=1"
    request = RequestFactory().get(reverse("dialogue:meeting-list") + query)
    assert render("{{ querystring(page=3) }}", request=request) == (
        "?kind=summit&amp;x=%3Cb%3E&amp;x=2&amp;page=3"
    )
    assert render("{{ querystring(page=None, x=None) }}", request=request) == (
        "?kind=summit"
    )
    plain = RequestFactory().get(reverse("dialogue:meeting-list"))
    assert render("{{ querystring(page=2) }}", request=plain) == "?page=2"
    assert render("{{ querystring() }}", request=plain) == ""


def test_url_reverses_a_named_view_with_its_arguments():
    assert render("{{ url('dialogue:meeting-detail', 'a-b') }}") == reverse(
        "dialogue:meeting-detail", args=["a-b"]
    )
    assert render("{{ url('dialogue:dataset-csv', kind='pledges') }}") == reverse(
        "dialogue:dataset-csv", kwargs={"kind": "pledges"}
    )


@pytest.mark.django_db
def test_cite_numbers_sources_by_first_citation_and_references_list_them_all():
    first, second, third = (
        make_source(slug=f"s-{n}", title=f"Source {n}") for n in (1, 2, 3)
    )
    make_source(slug="never-cited", title="Never cited")
    one = make_meeting(title="One")
    one.sources.add(second)
    two = make_meeting(title="Two")
    two.sources.add(first, second)
    three = make_meeting(title="Three")
    three.sources.add(third)
    html = render(
        "{{ cite(one) }}|{{ cite(two) }}|{{ cite(one) }}|"
        '{% include "includes/references.html" %}',
        {"one": one, "two": two, "three": three, "citations": Citations()},
    )
    marks, references = html.split("|")[:3], html.split("|")[3]
    assert marks == [
        '<sup class="cite"><a href="#ref-1" title="Source 2">[1]</a></sup>',
        '<sup class="cite"><a href="#ref-1" title="Source 2">[1]</a></sup>'
        '<sup class="cite"><a href="#ref-2" title="Source 1">[2]</a></sup>',
        '<sup class="cite"><a href="#ref-1" title="Source 2">[1]</a></sup>',
    ]
    assert f'<li id="ref-1"><a href="{second.get_absolute_url()}">' in references
    assert f'<li id="ref-2"><a href="{first.get_absolute_url()}">' in references
    assert 'id="ref-3"' not in references
    assert "Source 3" not in references
    assert "Never cited" not in references


@pytest.mark.django_db
def test_cite_refuses_a_page_without_its_citations():
    meeting = make_meeting()
    with pytest.raises(LookupError, match="CitationsMixin"):
        render("{{ cite(meeting) }}", {"meeting": meeting})


def test_json_ld_script_carries_the_nonce_and_cannot_close_its_script():
    request = SimpleNamespace(csp_nonce="abc123")
    html = render(
        "{{ json_ld_script(data) }}",
        {"data": {"name": "</script><script>x"}, "request": request},
    )
    assert html == (
        '<script type="application/ld+json" nonce="abc123">'
        '{"name": "\\u003C/script\\u003E\\u003Cscript\\u003Ex"}</script>'
    )
    assert render("{{ json_ld_script(none) }}") == ""


def test_the_server_error_page_renders_without_context_or_request():
    html = render_to_string("500.html")
    assert "<h1>Something went wrong</h1>" in html
    assert f'<a href="{reverse("dialogue:home")}">Go to the home page</a>' in html
    assert html.endswith("</html>\n")
