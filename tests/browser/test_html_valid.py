"""The Nu Html Checker (vnu.jar from npm, run with the machine's Java) finds no
errors in any public page template, in any state of the shared page list, nor in
an editor's preview of a draft. All documents are checked in one run, with a
planted error that proves the checker read them; the errors per document are
written to test-artifacts/vnu-report.txt."""

import json
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from dialogue.models import Meeting
from tests.browser.conftest import vnu_command
from tests.browser.pages import FOURTH, PUBLIC_PAGES, check_shows, visit
from tests.browser.reports import record_vnu

COMMAND, WHY_NOT = vnu_command()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("require_vnu"),
]

#: A document with one error the checker must find: a stray end tag.
CANARY = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    b"<title>canary</title></head><body><p>planted error</span></p></body></html>"
)


def run_vnu(paths):
    """The checker's messages for ``paths``. It exits with 0 when it found no
    error and 1 when it found some; anything else means it did not check."""
    run = subprocess.run(
        [*COMMAND, "--errors-only", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode in (0, 1), (run.returncode, run.stdout, run.stderr)
    report = json.loads(run.stderr)
    assert isinstance(report["messages"], list)
    return report["messages"]


@pytest.mark.django_db
def test_every_public_page_is_valid_html(seed, tmp_path, django_user_model):
    visitor = Client(raise_request_exception=False)

    def fetch(public_page):
        response = visitor.get(public_page.path())
        assert response.status_code == public_page.status, public_page.name
        check_shows(public_page, response.content.decode())
        return response.content

    files = visit(fetch)
    # A draft as an editor previews it.
    editor = django_user_model.objects.create_superuser("boss", password="pw")
    staff = Client()
    staff.force_login(editor)
    Meeting.objects.filter(slug=FOURTH).update(published=False)
    response = staff.get(reverse("dialogue:meeting-detail", args=[FOURTH]))
    assert response.status_code == 200
    assert "Draft — not public" in response.content.decode()
    files["draft-preview"] = response.content

    for name, content in {**files, "canary": CANARY}.items():
        (tmp_path / f"{name}.html").write_bytes(content)
    messages = run_vnu(sorted(tmp_path.glob("*.html")))

    counts = dict.fromkeys([*files, "canary"], 0)
    errors = []
    for message in messages:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        name = message.get("url", "").rsplit("/", 1)[-1].removesuffix(".html")
        counts[name] += 1
        if name != "canary":
            errors.append(f"{name}:{message.get('lastLine')}: {message['message']}")
    assert counts.pop("canary") == 1, "the checker missed the planted error"
    record_vnu(counts, errors)
    assert errors == [], "\n".join(errors)
    assert list(counts) == [page.name for page in PUBLIC_PAGES] + ["draft-preview"]
