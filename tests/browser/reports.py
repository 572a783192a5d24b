"""What the accessibility and HTML checks found, page by page, for the record.

``test-artifacts/axe-report.txt`` lists every page axe checked in this run (the
public pages, the phone and draft runs, the admin import pages) with its number of
violations; ``test-artifacts/vnu-report.txt`` every document the Nu Html Checker
read, with its number of errors. A report is started afresh by the first check of
a run and added to by every later one (all browser tests run in one process).
"""

import datetime

from tests.browser.conftest import ARTIFACTS

AXE_REPORT = ARTIFACTS / "axe-report.txt"
VNU_REPORT = ARTIFACTS / "vnu-report.txt"

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

_started = set()


def _append(path, heading, text):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if path not in _started:
        _started.add(path)
        now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        path.write_text(f"# {heading}, run of {now}\n")
    with path.open("a", encoding="utf-8") as report:
        report.write(text)


def axe_violations(page, within=None):
    """axe-core's WCAG 2.2 A/AA violations on the page (or in the part of it that
    the CSS selector ``within`` names), as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        context=within,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}},
    )
    return [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
    ]


def check_axe(page, name, status=None, within=None):
    """Run axe on ``page`` (or its part ``within``), record the result under
    ``name``, return the lines."""
    found = axe_violations(page, within)
    where = "/" + page.url.split("://", 1)[-1].partition("/")[2]
    if within:
        where += f" (within {within})"
    if status is not None:
        where = f"HTTP {status} {where}"
    _append(
        AXE_REPORT,
        "axe-core, WCAG 2.2 A/AA rules: violations per page",
        f"{name}: {len(found)} violations [{where}]\n"
        + "".join(f"  {line}\n" for line in found),
    )
    return found


def record_vnu(counts, errors):
    """``counts``: {document name: number of errors}; ``errors``: readable lines."""
    _append(
        VNU_REPORT,
        "Nu Html Checker (vnu.jar): errors per document",
        "".join(f"{name}: {count} errors\n" for name, count in counts.items())
        + "".join(f"  {line}\n" for line in errors),
    )
