"""Two app servers, one database, one cache: the scale-out path works.

Two gunicorn instances (2 workers each, production settings) on different loopback
ports share one PostgreSQL database and one Redis cache, as two machines behind a
load balancer would. A page A rendered is served by B from the shared cache; an
editor signs in on A and stays signed in on B; a meeting edited through A's admin is
what B serves to a visitor on the very next request; an import previewed on A is
confirmed on B. Skipped with a message where
PostgreSQL or Redis is not installed; CI (CAPJ_REQUIRE_POSTGRES=1,
CAPJ_REQUIRE_REDIS=1) fails instead of skipping.
"""

import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from tests import pg
from tests.servers import gunicorn_command, redis_server
from tests.text import page_text

ROOT = Path(__file__).resolve().parent.parent
FOURTH = "2012-11-10-foreign-ministers-4"
PASSWORD = secrets.token_urlsafe(16)


def require(binary_found, what, variable):
    if binary_found:
        return
    message = f"{what} is not installed: the two-server test needs it"
    if os.environ.get(variable) == "1":
        pytest.fail(f"{message}, but {variable}=1")
    pytest.skip(message)


@pytest.fixture(scope="module")
def postgres():
    require(
        pg.bin_dir() is not None, "PostgreSQL (initdb, pg_ctl)", "CAPJ_REQUIRE_POSTGRES"
    )
    server = pg.Server().init().start().create_database()
    yield server
    server.remove()


@pytest.fixture(scope="module")
def redis_url():
    with redis_server("the two-server test") as (_process, url):
        yield url


def server_env(database_url, cache_url, secret):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GUNICORN_")) and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="capj.settings.production",
        DJANGO_SECRET_KEY=secret,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        DJANGO_CACHE_URL=cache_url,
    )
    return env


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def servers(postgres, redis_url, tmp_path_factory):
    """Two app servers, A and B, as ``{"A": port, "B": port}``."""
    env = server_env(postgres.url, redis_url, secrets.token_urlsafe(50))
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    manage(env, "loaddata", "seed")
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        f"User.objects.create_superuser('chief', 'chief@example.org', '{PASSWORD}')",
    )
    logs = tmp_path_factory.mktemp("two-servers")
    processes, ports = {}, {}
    for name in ("A", "B"):
        ports[name] = pg.free_port()
        # Each server its own temporary folder, as on two machines: an upload kept
        # on A's disk would not be found by B.
        tmpdir = logs / f"tmp-{name}"
        tmpdir.mkdir()
        log = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed below
        processes[name] = (
            subprocess.Popen(
                gunicorn_command(f"127.0.0.1:{ports[name]}", 2),
                cwd=ROOT,
                env={**env, "TMPDIR": str(tmpdir)},
                stdout=log,
                stderr=subprocess.STDOUT,
            ),
            log,
        )
    try:
        for name, port in ports.items():
            deadline = time.monotonic() + 60
            while Browser(port).get(reverse("healthz"))[0] != 200:
                if time.monotonic() > deadline:
                    pytest.fail(f"server {name} did not start:\n" + logs_of(logs))
                time.sleep(0.2)
        yield ports
    finally:
        for process, log in processes.values():
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
            log.close()


def logs_of(directory):
    return "\n".join(
        path.read_text()[-3000:] for path in sorted(directory.glob("*.log"))
    )


class Browser:
    """Just enough of a browser: cookies (also Secure ones: the servers sit behind
    a pretend TLS proxy), forms, redirects left to the caller. Both servers are
    asked for the same host, as behind one load balancer."""

    host = "127.0.0.1"

    def __init__(self, port, cookies=None):
        self.port = port
        self.cookies = cookies if cookies is not None else {}

    def on(self, port):
        """The same browser (same cookies) talking to another server."""
        return Browser(port, self.cookies)

    @property
    def origin(self):
        return f"https://{self.host}"

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": self.host, "X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers.setdefault("Origin", self.origin)
            headers.setdefault("Referer", self.origin + path)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
        except OSError:
            return None, {}, ""
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if cookie_value in ('""', "") or "Max-Age=0" in value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie_value
        return response.status, dict(response.getheaders()), text

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, fields, files=None):
        if files:
            boundary = uuid.uuid4().hex
            body = multipart(fields, files, boundary)
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(fields, doseq=True).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request("POST", path, body, {"Content-Type": content_type})


def multipart(fields, files, boundary):
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


class FormFields(HTMLParser):
    """The fields a browser would submit from the form whose action or id matches."""

    def __init__(self, html, action=None, form_id=None):
        super().__init__(convert_charrefs=True)
        self.action, self.form_id = action, form_id
        self.inside = False
        self.fields = []
        self.select = None
        self.textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = (
                self.action is not None and attrs.get("action") == self.action
            ) or (self.form_id is not None and attrs.get("id") == self.form_id)
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append(
                (name, attrs.get("value", "on" if kind == "checkbox" else ""))
            )
        elif tag == "select" and name:
            self.select, self.first_option, self.chosen = name, None, False
            self.multiple = "multiple" in attrs
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = attrs.get("value", "")
            if "selected" in attrs:
                self.fields.append((self.select, attrs.get("value", "")))
                self.chosen = True
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            # A single choice with nothing selected submits its first option.
            if not self.chosen and self.first_option is not None and not self.multiple:
                self.fields.append((self.select, self.first_option))
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea[0], self.textarea[1].removeprefix("\n")))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


def replace(fields, **values):
    return [(name, values.get(name, value)) for name, value in fields]


def sign_in(browser):
    login = reverse("admin:login")
    browser.get(login)
    status, headers, _ = browser.post(
        login,
        [
            ("csrfmiddlewaretoken", browser.cookies["csrftoken"]),
            ("username", "chief"),
            ("password", PASSWORD),
            ("next", reverse("admin:index")),
        ],
    )
    assert status == 302, status
    assert "sessionid" in browser.cookies


def test_sessions_edits_and_imports_span_both_servers(servers):
    a_port, b_port = servers["A"], servers["B"]
    visitor_a, visitor_b = Browser(a_port), Browser(b_port)
    meeting = reverse("dialogue:meeting-detail", args=[FOURTH])

    # The page A rendered is the one B serves, from the shared cache: the same copy
    # (each response with its own CSP nonce, hence the ETag), and a browser holding
    # A's copy gets a 304 from B.
    status, from_a, html = visitor_a.get(meeting)
    assert status == 200
    assert "4th Foreign Ministers" in html
    status, from_b, html = visitor_b.get(meeting)
    assert status == 200
    assert "4th Foreign Ministers" in html
    assert from_b["ETag"] == from_a["ETag"]
    status, _, _ = visitor_b.get(meeting, {"If-None-Match": from_a["ETag"]})
    assert status == 304
    # A parameter the page does not read is the same copy.
    _, with_junk, _ = visitor_b.get(meeting + "?utm_source=newsletter")
    assert with_junk["ETag"] == from_a["ETag"]

    # An editor signs in on A and is still signed in on B.
    editor_a = Browser(a_port)
    sign_in(editor_a)
    editor_b = editor_a.on(b_port)
    status, _, html = editor_b.get(reverse("admin:index"))
    assert status == 200
    assert "Log out" in html and "chief" in html.lower()

    # The editor changes the meeting's title through A's admin ...
    from dialogue.models import Meeting  # only for its admin URL name

    change = reverse(
        f"admin:dialogue_{Meeting._meta.model_name}_change", args=[meeting_pk(editor_a)]
    )
    _, _, form_html = editor_a.get(change)
    fields = FormFields(form_html, form_id="meeting_form").fields
    assert ("slug", FOURTH) in fields
    title = "Fourth Foreign Ministers' Meeting, renamed on server A"
    status, headers, html = editor_a.post(change, replace(fields, title=title))
    assert status == 302, html[:3000]

    # ... and B serves the new title to a visitor on the very next request, also to
    # a browser asking with the ETag of its old copy.
    status, headers, html = visitor_b.get(meeting, {"If-None-Match": from_a["ETag"]})
    assert status == 200
    assert "renamed on server A" in html
    assert "Fourth Foreign Ministers' Meeting, renamed on server A" in page_text(html)
    status, _, html = visitor_a.get(meeting)
    assert "renamed on server A" in html

    # An import previewed on A is confirmed on B.
    import_url = reverse("admin:dialogue_meeting_import")
    _, _, import_html = editor_a.get(import_url)
    upload = FormFields(import_html, action="").fields
    csv_text = (
        "slug,kind,number,title,status,start_date,end_date,city,host,format,"
        "summary,sources,published\r\n"
        "2016-06-01-expert-meeting,expert_meeting,,Expert meeting on water in "
        "Dushanbe,held,2016-06-01,,Dushanbe,TJ,in_person,,,true\r\n"
    )
    status, _, preview = editor_a.post(
        import_url, upload, files={"import_file": ("meetings.csv", csv_text.encode())}
    )
    assert status == 200
    assert "Expert meeting on water in Dushanbe" in preview, preview[:3000]
    confirm_url = reverse("admin:dialogue_meeting_process_import")
    confirm = FormFields(preview, action=confirm_url).fields
    assert any(name == "import_file_name" for name, _ in confirm), preview[:3000]
    status, headers, _ = editor_b.post(confirm_url, confirm)
    assert status == 302, _[:3000]
    _, _, changelist = editor_b.get(headers["Location"])
    assert "Import of meetings.csv finished" in changelist
    status, _, html = visitor_a.get(reverse("dialogue:meeting-list"))
    assert "Expert meeting on water in Dushanbe" in html
    status, _, html = visitor_b.get(reverse("dialogue:meeting-list") + "?junk=1")
    assert "Expert meeting on water in Dushanbe" in html

    # Signing out on B ends the session on A too.
    editor_b.post(
        reverse("admin:logout"),
        [("csrfmiddlewaretoken", editor_b.cookies["csrftoken"])],
    )
    status, headers, _ = Browser(a_port, dict(editor_a.cookies)).get(
        reverse("admin:index")
    )
    assert status == 302
    assert reverse("admin:login") in headers["Location"]


def meeting_pk(editor):
    """The meeting's id, read from A's changelist search as an editor would."""
    changelist = reverse("admin:dialogue_meeting_changelist")
    _, _, html = editor.get(f"{changelist}?q={FOURTH}")
    marker = f"{changelist}"
    for chunk in html.split('href="')[1:]:
        href = chunk.split('"', 1)[0]
        rest = href.removeprefix(marker)
        if href.startswith(marker) and rest.split("/")[0].isdigit():
            return int(rest.split("/")[0])
    raise AssertionError(f"no meeting {FOURTH} in the changelist")
