"""Our templates hold no inline scripts or styles, so a strict Content-Security-
Policy (no 'unsafe-inline') holds; every public template is in the page list the
browser, HTML and SEO tests share; and each template is found by its own engine
only: the public pages by Jinja2, the admin overrides by Django's templates."""

import ast
import re
from pathlib import Path

import pytest
from django.template import TemplateDoesNotExist, engines

from tests.browser.pages import PUBLIC_PAGES

ROOT = Path(__file__).resolve().parent.parent
#: The public pages' templates (Jinja2).
TEMPLATES = ROOT / "templates"
#: Our overrides of the admin's templates (Django's template language).
ADMIN_TEMPLATES = ROOT / "dialogue" / "templates"
#: Python modules that write HTML of their own.
HTML_WRITERS = sorted(
    path
    for folder in ("dialogue", "capj")
    for path in (ROOT / folder).rglob("*.py")
    if "migrations" not in path.parts
)
#: The one script element allowed: the JSON-LD data block, which runs nothing.
JSON_LD = '<script type="application/ld+json"'
JSON_LD_WRITER = ROOT / "dialogue" / "jinja2.py"

INLINE = {
    "style attribute": re.compile(r"(?i)(?<![\w-])style\s*="),
    "<style> element": re.compile(r"(?i)<style\b"),
    "event handler attribute": re.compile(r"(?i)(?<![\w-])on\w+\s*="),
    "inline <script>": re.compile(r"(?i)<script\b(?![^>]*\ssrc\s*=)"),
    "javascript: URL": re.compile(r"(?i)javascript\s*:"),
}


def inline_code(text, allow_json_ld=False):
    """``(what, the text around it)`` for each inline script or style in text."""
    found = []
    for what, pattern in INLINE.items():
        for match in pattern.finditer(text):
            if allow_json_ld and text.startswith(JSON_LD, match.start()):
                continue
            start = max(match.start() - 30, 0)
            found.append((what, text[start : match.end() + 30]))
    return found


def html_strings(path):
    """The string literals of a Python module that look like HTML."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.search(r"<[a-zA-Z/!]", node.value):
                yield node.value


def test_the_scan_finds_each_kind_of_inline_code():
    planted = [
        '<p style="color: red">',
        "<style>p { color: red }</style>",
        '<a href="/" onclick="go()">',
        '<body onLoad = "go()">',
        "<script>alert(1)</script>",
        '<script type="module">go()</script>',
        '<a href="javascript:go()">',
        '<script type="application/ld+json">{}</script>',
    ]
    assert [len(inline_code(text)) for text in planted] == [1, 1, 1, 1, 1, 1, 1, 1]
    assert inline_code(planted[-1], allow_json_ld=True) == []
    allowed = [
        '<script src="/static/js/site.js" defer></script>',
        '<p class="json">Based on the data-style of the Dialogue</p>',
        '<input name="q" aria-describedby="x" data-one="1">',
    ]
    assert [inline_code(text) for text in allowed] == [[], [], []]


TEMPLATE_FILES = sorted(
    path
    for folder in (TEMPLATES, ADMIN_TEMPLATES)
    for path in folder.rglob("*")
    if path.is_file()
)


@pytest.mark.parametrize(
    "path", TEMPLATE_FILES, ids=lambda path: str(path.relative_to(ROOT))
)
def test_no_inline_script_or_style_in_a_template(path):
    assert inline_code(path.read_text(encoding="utf-8")) == []


def test_the_admin_overrides_are_scanned_too():
    scanned = {str(path.relative_to(ROOT)) for path in TEMPLATE_FILES}
    assert {
        "dialogue/templates/admin/dialogue/import.html",
        "dialogue/templates/admin/dialogue/import_problems.html",
        "templates/base.html",
        "templates/includes/header.html",
        "templates/dialogue/home.html",
    } <= scanned


@pytest.mark.parametrize(
    "path", HTML_WRITERS, ids=lambda path: str(path.relative_to(ROOT))
)
def test_no_inline_script_or_style_written_by_python(path):
    found = [
        problem
        for text in html_strings(path)
        for problem in inline_code(text, allow_json_ld=path == JSON_LD_WRITER)
    ]
    assert found == []


def test_the_json_ld_block_is_the_only_script_and_it_is_data():
    texts = [text for text in html_strings(JSON_LD_WRITER) if "<script" in text]
    assert texts and all(text.startswith(JSON_LD) for text in texts)


def test_every_public_template_is_in_the_shared_page_list():
    public = {
        str(path.relative_to(TEMPLATES))
        for path in [*TEMPLATES.glob("dialogue/*.html"), *TEMPLATES.glob("*.html")]
    } - {"base.html"}
    assert {page.template for page in PUBLIC_PAGES} == public


def public_template_names():
    return sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.is_file()
    )


@pytest.mark.parametrize("name", public_template_names())
def test_a_public_template_is_jinja2s_and_out_of_reach_of_django_templates(name):
    assert engines["jinja2"].get_template(name).template.name == name
    with pytest.raises(TemplateDoesNotExist):
        engines["django"].get_template(name)


@pytest.mark.parametrize(
    "name", ["admin/dialogue/import.html", "admin/dialogue/import_problems.html"]
)
def test_an_admin_override_is_django_templates_and_out_of_reach_of_jinja2(name):
    origin = engines["django"].get_template(name).origin.name
    assert origin == str(ADMIN_TEMPLATES / name)
    with pytest.raises(TemplateDoesNotExist):
        engines["jinja2"].get_template(name)
