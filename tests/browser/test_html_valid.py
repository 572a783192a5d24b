"""The Nu Html Checker (vnu.jar from npm, run with the machine's Java) finds no
errors in any public page template. All pages are checked in one run."""

import json
import subprocess

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from dialogue.models import Meeting
from tests.browser.conftest import ARTIFACTS, vnu_command
from tests.browser.pages import FOURTH, PUBLIC_PAGES

COMMAND, WHY_NOT = vnu_command()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("require_vnu"),
]


@pytest.mark.django_db
def test_every_public_page_is_valid_html(client, seed, tmp_path, django_user_model):
    files = {}
    for name, url_name, args, query in PUBLIC_PAGES:
        response = client.get(reverse(url_name, args=args) + query)
        assert response.status_code in (200, 404), name
        files[name] = response.content
    # A draft as an editor previews it.
    editor = django_user_model.objects.create_superuser("boss", password="pw")
    staff = Client()
    staff.force_login(editor)
    Meeting.objects.filter(slug=FOURTH).update(published=False)
    response = staff.get(reverse("dialogue:meeting-detail", args=[FOURTH]))
    assert "Draft — not public" in response.content.decode()
    files["draft-preview"] = response.content
    files["server-error"] = render_to_string("500.html").encode()

    paths = []
    for name, content in files.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(content)
        paths.append(str(path))
    run = subprocess.run(
        [*COMMAND, "--errors-only", "--format", "json", *paths],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    errors = [
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    per_file = dict.fromkeys(files, 0)
    for m in messages:
        if m.get("type") in ("error", "non-document-error"):
            per_file[m.get("url", "").rsplit("/", 1)[-1].removesuffix(".html")] += 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "vnu-report.txt").write_text(
        "".join(f"{name}: {count} errors\n" for name, count in per_file.items())
    )
    assert errors == [], "\n".join(errors)
    assert len(paths) == len(PUBLIC_PAGES) + 2
