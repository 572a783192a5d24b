"""Record addresses made without reverse() are exactly reverse()'s."""

import pytest
from django.urls import reverse, set_script_prefix

from dialogue.addresses import record_url

SLUG_PAGES = [
    "dialogue:meeting-detail",
    "dialogue:document-detail",
    "dialogue:source-detail",
    "dialogue:page-detail",
]
#: People's and participants' addresses take any text: names in any script.
TEXT_PAGES = ["dialogue:person-detail", "dialogue:participant-detail"]
CASES = [
    *((name, key) for name in SLUG_PAGES for key in ("2012-11-10-fm-4", "a_b")),
    *(
        (name, key)
        for name in TEXT_PAGES
        for key in ("jp", "коитиро-гемба", "玄葉光一郎", "a b&c")
    ),
]


@pytest.mark.parametrize(("url_name", "key"), CASES)
def test_record_url_is_what_reverse_makes(url_name, key):
    assert record_url(url_name, key) == reverse(url_name, args=[key])


def test_record_url_follows_the_script_prefix():
    try:
        set_script_prefix("/capj/")
        assert record_url("dialogue:person-detail", "gemba") == "/capj/people/gemba/"
    finally:
        set_script_prefix("/")
