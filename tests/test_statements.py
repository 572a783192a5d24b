"""Statements built once and run with new values: the same rows as the ORM."""

import pytest
from django.db.models import F

from dialogue.models import Meeting
from dialogue.statements import Statement, union_all
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


def test_grouped_rows_come_by_their_parts_labels(db):
    make_meeting(slug="a", title="Talks")
    make_meeting(slug="b", title="Talks")
    make_meeting(slug="c", title="Other")
    nobody = STAND_IN.strip("\x00")

    def slugs(title):
        return union_all([("talks", titled(title)), ("none", titled(nobody))])

    def pairs(title):
        return union_all(
            [
                ("talks", titled(title).values_list("slug", "title")),
                ("none", titled(nobody).values_list("slug", "title")),
            ]
        )

    # One value per row, or the row's values; a part without rows has no label.
    assert Statement(slugs, STAND_IN).grouped("Talks") == {"talks": ["a", "b"]}
    assert Statement(pairs, STAND_IN).grouped("Other") == {"talks": [["c", "Other"]]}
