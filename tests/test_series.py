"""Meeting series: editors add them, meetings are numbered within them, files
name them, and the kinds that were series before became series without losing
a meeting or an address."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from dialogue.csv.files import read_csv
from dialogue.csv.resources import MeetingResource
from dialogue.models import Meeting, MeetingSeries
from tests.factories import make_country, make_meeting
from tests.text import page_text

HEADER = (
    "slug,kind,number,title,status,start_date,end_date,city,host,format,summary,sources"
)


def run(text):
    return MeetingResource().import_data(read_csv(text.encode("utf-8")))


def problems(result):
    return [str(problem) for problem in result.problems()]


@pytest.fixture
def two_series(db):
    make_country("UZ", name="Uzbekistan")
    make_country("JP", name="Japan")
    business = MeetingSeries.objects.create(
        slug="business-dialogue-jcaba",
        name="Japan–Central Asia Business Dialogue",
        short_name="JCABD",
        organiser="Japan–Central Asia trade association",
        kind="other",
    )
    energy = MeetingSeries.objects.create(
        slug="economic-energy-dialogue",
        name="Economic and Energy Dialogue",
        organiser="Ministry of Economy, Trade and Industry",
        kind="other",
    )
    return business, energy


def test_two_series_of_one_kind_each_import_their_2nd_meeting(client, two_series):
    result = run(
        f"{HEADER},outcomes,series,published\n"
        ",other,2,2nd Business Dialogue in Tashkent,held,2019-05,,Tashkent,UZ,,,,,"
        "business-dialogue-jcaba,true\n"
        ",other,2,2nd Economic and Energy Dialogue in Tokyo,held,2021-02,,Tokyo,JP,,"
        ",,,economic-energy-dialogue,true\n"
    )
    assert problems(result) == []
    business, energy = two_series
    assert Meeting.objects.get(series=business).number == 2
    assert Meeting.objects.get(series=energy).number == 2

    page = page_text(
        client.get(
            reverse("dialogue:meeting-list"), {"series": "economic-energy-dialogue"}
        )
    )
    assert "1 meeting · Economic and Energy Dialogue" in page
    assert "2nd Economic and Energy Dialogue · Tokyo, Japan" in page
    assert "Tashkent" not in page.split("1 meeting")[1]
    assert '<option value="business-dialogue-jcaba">' in page


def test_the_same_number_twice_in_one_series_is_named_by_line(two_series):
    row = ",other,3,{title},held,2019-05,,Tashkent,UZ,,,,,business-dialogue-jcaba,true"
    result = run(
        f"{HEADER},outcomes,series,published\n"
        + row.format(title="3rd Business Dialogue")
        + "\n"
        + row.format(title="Another 3rd")
        + "\n"
    )
    assert problems(result) == [
        'Line 3, columns "number" and "series": Another meeting of this series '
        "already has this number."
    ]
    assert not Meeting.objects.exists()


def test_an_unknown_series_and_a_series_of_another_kind_are_named(two_series):
    result = run(
        f"{HEADER},outcomes,series,published\n"
        ",other,1,A,held,2019,,,,,,,,business-dialogue-jcab,true\n"
        ",summit,1,B,held,2019,,,,,,,,business-dialogue-jcaba,true\n"
    )
    found = problems(result)
    assert found[0].startswith(
        'Line 2, column "series": Unknown series "business-dialogue-jcab". Known '
        "series: "
    )
    assert found[0].endswith('Did you mean "business-dialogue-jcaba"?')
    assert found[1] == (
        'Line 3, column "kind": The series “Japan–Central Asia Business Dialogue” is '
        "filed under “Other meeting”: choose that kind, or another series."
    )
    assert not Meeting.objects.exists()


def test_a_file_with_only_kind_imports_as_before(two_series):
    """No series column: the kind's own series, numbered there as before."""
    result = run(
        f"{HEADER}\n"
        ",foreign_ministers,5,5th FMM,held,2014-07-16,,Bishkek,,,,\n"
        ",other,1,A gathering,held,2015,,,,,,\n"
    )
    assert problems(result) == []
    fifth = Meeting.objects.get(number=5)
    assert fifth.series.slug == "foreign-ministers"
    assert fifth.kind_name == "5th Foreign Ministers' Meeting"
    assert Meeting.objects.get(kind="other").series is None
    # The same number in the kind's series is refused, as it was within the kind.
    result = run(f"{HEADER}\n,foreign_ministers,5,Again,held,2015-07-16,,Bishkek,,,,\n")
    assert problems(result) == [
        'Line 2, column "number": Another meeting of this series already has this '
        "number."
    ]


def test_an_export_names_the_series_and_reimports_unchanged(two_series):
    business, _ = two_series
    make_meeting(kind="other", number=1, series=business, title="1st")
    text = MeetingResource(with_extensions=True).export().csv
    assert text.splitlines()[0].endswith(",outcomes,series,published")
    assert (
        ",business-dialogue-jcaba,True" in text
        or ",business-dialogue-jcaba,true" in text
    )
    result = run(text)
    assert problems(result) == []
    assert result.totals["update"] == 0 and result.totals["new"] == 0


def test_a_meeting_page_names_its_series_and_its_neighbours(client, two_series):
    business, _ = two_series
    first = make_meeting(kind="other", number=1, series=business, title="First")
    make_meeting(kind="other", number=2, series=business, title="Second")
    make_meeting(kind="other", number=3, title="Not in the series")
    page = page_text(client.get(first.get_absolute_url()))
    assert '<p class="eyebrow">1st Japan–Central Asia Business Dialogue</p>' in page
    assert (
        '<a href="/meetings/?series=business-dialogue-jcaba">Every Japan–Central Asia '
        "Business Dialogue</a>" in page
    )
    assert "Next Japan–Central Asia Business Dialogue" in page
    assert "Not in the series" not in page


#: Run in a process of its own: migrating back and forth in the test process
#: leaves its app registry unfit for the tests after it.
MIGRATION_CHECK = """
import django, json
django.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
BEFORE = [("dialogue", "0019_people_index")]
AFTER = [("dialogue", "0020_meeting_series")]
executor = MigrationExecutor(connection)
executor.migrate(BEFORE)
Meeting = executor.loader.project_state(BEFORE).apps.get_model("dialogue", "Meeting")
for slug, kind, number in json.loads(ROWS):
    Meeting.objects.create(slug=slug, kind=kind, number=number, title=slug,
                           status="held", start_date=None, start_precision="unknown")
executor = MigrationExecutor(connection)
executor.migrate(AFTER)
state = executor.loader.project_state(AFTER).apps
rows = sorted(state.get_model("dialogue", "Meeting").objects.values_list(
    "slug", "series__slug", "number"))
series = state.get_model("dialogue", "MeetingSeries").objects
kinds = sorted(series.filter(main_for_kind=True).values_list("kind", flat=True))
executor = MigrationExecutor(connection)
executor.migrate(BEFORE)
back = Meeting.objects.count()
print(json.dumps({"rows": rows, "kinds": kinds, "back": back}))
"""


def test_the_kinds_became_series_without_losing_a_meeting_or_an_address(tmp_path):
    rows = [
        ("2004-08-28-foreign-ministers-1", "foreign_ministers", 1),
        ("2012-11-10-foreign-ministers-4", "foreign_ministers", 4),
        ("2005-03-04-senior-officials", "senior_officials", None),
        ("2019-other-2", "other", 2),
    ]
    script = MIGRATION_CHECK.replace("ROWS", repr(json.dumps(rows)))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "capj.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'migrations.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["rows"] == [
        ["2004-08-28-foreign-ministers-1", "foreign-ministers", 1],
        ["2005-03-04-senior-officials", "senior-officials", None],
        ["2012-11-10-foreign-ministers-4", "foreign-ministers", 4],
        ["2019-other-2", None, 2],
    ]
    # One series for each kind but "other"; and back again, every meeting kept.
    assert found["kinds"] == sorted(
        kind for kind in Meeting.Kind.values if kind != "other"
    )
    assert found["back"] == 4


def test_two_series_import_with_the_command_again_unchanged_and_render(
    client, two_series, tmp_path
):
    """The staff's path: import_dataset, twice; the second changes nothing."""
    (tmp_path / "meetings.csv").write_text(
        f"{HEADER},outcomes,series,published\n"
        ",other,2,2nd Business Dialogue in Tashkent,held,2019-05,,Tashkent,UZ,,,,,"
        "business-dialogue-jcaba,true\n"
        ",other,2,2nd Economic and Energy Dialogue in Tokyo,held,2021-02,,Tokyo,JP,,"
        ",,,economic-energy-dialogue,true\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("import_dataset", str(tmp_path), stdout=out)
    assert Meeting.objects.filter(number=2, kind="other").count() == 2
    before = list(Meeting.objects.values_list("slug", "series__slug", "updated_at"))
    out = io.StringIO()
    call_command("import_dataset", str(tmp_path), stdout=out)
    assert "meetings.csv: 2 rows: 0 new, 0 updated, 2 unchanged" in out.getvalue()
    assert list(Meeting.objects.values_list("slug", "series__slug", "updated_at")) == (
        before
    )
    for meeting in Meeting.objects.all():
        page = page_text(client.get(meeting.get_absolute_url()))
        assert f"<h1>{meeting.title}</h1>" in page
        assert f'<p class="eyebrow">2nd {meeting.series.name}</p>' in page


def test_two_series_import_through_the_admin(steward_client, two_series):
    from tests.test_csv_admin import confirm, text_of, upload

    text = (
        f"{HEADER},outcomes,series,published\n"
        ",other,2,2nd Business Dialogue in Tashkent,held,2019-05,,Tashkent,UZ,,,,,"
        "business-dialogue-jcaba,true\n"
        ",other,2,2nd Economic and Energy Dialogue in Tokyo,held,2021-02,,Tokyo,JP,,"
        ",,,economic-energy-dialogue,true\n"
    )
    preview = upload(steward_client, text)
    assert "meetings.csv: 2 new, 0 updated, 0 unchanged." in text_of(preview)
    confirm(steward_client, preview)
    assert sorted(Meeting.objects.values_list("series__slug", "number", "kind")) == [
        ("business-dialogue-jcaba", 2, "other"),
        ("economic-energy-dialogue", 2, "other"),
    ]
    # The same file again: nothing to change.
    assert "meetings.csv: 0 new, 0 updated, 2 unchanged." in text_of(
        upload(steward_client, text)
    )
