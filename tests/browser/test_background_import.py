"""A large import in a real Chromium: the upload answers with the job's page, whose
progress bar moves while the worker checks the file, then shows the counts, and,
once confirmed, the result, all without the page being reloaded."""

import threading
import time

import pytest
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from dialogue.csv import jobs
from dialogue.models import CsvJob, Person
from tests.browser.conftest import browser_marks
from tests.browser.test_editor import editor, log_in  # noqa: F401 (fixture)

pytestmark = browser_marks

ROWS = 300


@pytest.fixture
def slow_worker(monkeypatch):
    """The worker's task, run in a thread as `db_worker` would, slowed so that a
    person (and the test) sees the bar move: 20 rows, then a pause."""
    monkeypatch.setattr(jobs, "CHECK_EVERY", 20)
    report = jobs.Progress.report

    def slow_report(progress):
        report(progress)
        time.sleep(0.25)

    monkeypatch.setattr(jobs.Progress, "report", slow_report)

    def start(job):
        thread = threading.Thread(target=jobs.run_job.call, args=[job.pk])
        thread.start()
        return thread

    return start


def bar_value(page):
    return page.locator("#csv-job progress").evaluate("bar => bar.value")


def watch_the_bar(page):
    """The bar's values while the job runs, until the page's part is replaced."""
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if page.locator("#csv-job progress").count() == 0:
            break
        seen.append(bar_value(page))
        time.sleep(0.2)
    return seen


def test_the_progress_bar_moves_and_the_result_appears(
    migration_data,
    site,
    editor,  # noqa: F811 (the fixture imported above)
    page,
    slow_worker,
):
    rows = "".join(f"person-{i},Person {i},\n" for i in range(ROWS))
    with override_settings(CSV_BACKGROUND_ROWS=50):
        log_in(page, site)
        page.goto(site.url + reverse("admin:dialogue_person_import"))
        page.locator('input[name="import_file"]').set_input_files(
            {
                "name": "people.csv",
                "mimeType": "text/csv",
                "buffer": f"slug,name,other_names\n{rows}".encode(),
            }
        )
        page.get_by_role("button", name="Submit").click()
        expect(page.locator("#csv-job h2")).to_have_text("Checking people.csv")
        expect(page.locator("#csv-job")).to_contain_text(
            "Waiting for the worker to start it."
        )
        expect(page.get_by_role("link", name="Refresh")).to_be_visible()
        # A mark that a reload would wipe out.
        page.evaluate("window.notReloaded = true")

        job = CsvJob.objects.get()
        worker = slow_worker(job)
        expect(page.locator("#csv-job .csv-job-count")).to_contain_text(
            f"of {ROWS} rows", timeout=15_000
        )
        seen = watch_the_bar(page)
        worker.join(30)
        moving = [value for value in seen if 0 < value < ROWS]
        assert len(set(moving)) >= 2, seen  # it moved, and was seen moving
        assert moving == sorted(moving)
        expect(page.locator("#csv-job")).to_contain_text(
            f"people.csv: {ROWS} new, 0 updated, 0 unchanged.", timeout=15_000
        )
        assert page.evaluate("window.notReloaded") is True
        assert Person.objects.filter(slug__startswith="person-").count() == 0

        page.get_by_role("button", name="Confirm import").click()
        expect(page.locator("#csv-job h2")).to_have_text("Importing people.csv")
        page.evaluate("window.notReloaded = true")
        worker = slow_worker(job)
        worker.join(30)
        expect(page.locator("#csv-job .messagelist")).to_contain_text(
            f"Import of people.csv finished: {ROWS} new, 0 updated, 0 unchanged "
            "people.",
            timeout=15_000,
        )
        assert page.evaluate("window.notReloaded") is True
    assert Person.objects.filter(slug__startswith="person-").count() == ROWS
