"""Statements built once and run with new values: the same rows as the ORM."""

import pytest
from django.db.models import F

from dialogue.models import Meeting
from dialogue.statements import Statement
from tests.factories import make_meeting

STAND_IN = "\x00title\x00"


def titled(title):
    return Meeting.objects.filter(title=title).order_by("pk").values_list("slug")


def test_rows_swap_in_each_value_and_reuse_the_built_sql(db):
    make_meeting(slug="first", title="First")
    make_meeting(slug="second", title="Second")
    built = []

    def build(title):
        built.append(title)
        return titled(title)

    statement = Statement(build, STAND_IN)
    assert statement.rows("First") == [("first",)]
    assert statement.rows("Second") == [("second",)]
    assert statement.rows("None such") == []
    assert statement.rows(STAND_IN.strip("\x00")) == []
    assert built == [STAND_IN]  # built once, for the first run


def test_a_stand_in_lost_on_the_way_to_the_parameters_is_refused(db):
    # The ORM turns the text into a number for an integer column: the stand-in
    # never reaches the parameters, so the statement could not take the value.
    statement = Statement(lambda number: Meeting.objects.filter(pk=len(number)), "x")
    with pytest.raises(ValueError, match="the stand-in 'x' is not among"):
        statement.rows("y")


def test_a_value_is_needed_for_each_stand_in(db):
    statement = Statement(lambda title: titled(title).annotate(n=F("number")), STAND_IN)
    with pytest.raises(
        TypeError, match=r"one value per stand-in is needed \(1\), not 0"
    ):
        statement.rows()
