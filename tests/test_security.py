"""Headers, cookies, logins and sessions under the production security settings.

The Mozilla HTTP Observatory grade is computed here from real responses with the
rules of the Observatory's current scanner (mdn/mdn-http-observatory, algorithm
version 4: src/analyzer/tests/*.js, src/analyzer/cspParser.js and the modifiers of
src/grader/charts.js). Only the HSTS preload list and certificate checks need the
internet; the site is taken as not preloaded and its certificate as valid.
"""

import base64
import csv
import datetime
import fcntl
import hashlib
import importlib
import io
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from capj.security import LOGIN_AT_KEY
from dialogue.models import Meeting
from tests.browser.conftest import (
    ARTIFACTS,
    CHROMIUM,
    NO_CHROMIUM,
    chromium,
    unavailable,
)

# --------------------------------------------------------------------------------
# The Observatory's scoring rules
# --------------------------------------------------------------------------------

MODIFIERS = {
    # content-security-policy
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-implemented-but-duplicate-directives": 0,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    "csp-not-implemented-but-reporting-enabled": -25,
    # cookies
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    # cross-origin-resource-sharing
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    # redirection
    "redirection-all-redirects-preloaded": 0,
    "redirection-to-https": 0,
    "redirection-not-needed-no-http": 0,
    "redirection-off-host-from-http": -5,
    "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-not-to-https": -20,
    "redirection-missing": -20,
    "redirection-invalid-cert": -20,
    # referrer-policy
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    # strict-transport-security
    "hsts-preloaded": 5,
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    "hsts-not-implemented-no-https": -20,
    "hsts-invalid-cert": -20,
    # subresource-integrity
    "sri-implemented-and-all-scripts-loaded-securely": 5,
    "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    "html-not-parseable": -20,
    # x-content-type-options
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    # x-frame-options
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 0,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    # cross-origin-resource-policy
    "corp-implemented-with-same-origin": 10,
    "corp-implemented-with-same-site": 10,
    "corp-implemented-with-cross-origin": 0,
    "corp-not-implemented": 0,
    "corp-header-invalid": -5,
}
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
HTML_TYPES = {"text/html", "application/xhtml+xml"}
CORS_ORIGIN = "https://http-observatory.security.mozilla.org"


class Reply:
    """One HTTP response as the scanner keeps it."""

    def __init__(self, url, response):
        self.url = urlsplit(url)
        self.status = response.status_code
        self.headers = {}
        for name, value in response.headers.items():
            self.headers.setdefault(name.lower(), []).append(value)
        self.set_cookies = [
            morsel.OutputString() for morsel in response.cookies.values()
        ]
        content_type = response.headers.get("Content-Type", "")
        self.text = response.getvalue().decode("utf-8", "replace")
        self.http_equiv = {}
        if content_type.split(";")[0].strip() in HTML_TYPES and self.text:
            page = PageParser()
            page.feed(self.text)
            self.http_equiv = page.http_equiv
            self.scripts = page.scripts
        else:
            self.scripts = []

    def header(self, name):
        return self.headers.get(name, [])

    def first(self, name):
        values = self.header(name)
        return values[0] if values else None


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.http_equiv = {}
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("http-equiv") and attrs.get("content"):
            name = attrs["http-equiv"].lower()
            self.http_equiv.setdefault(name, []).append(attrs["content"])
        if tag == "script":
            self.scripts.append(attrs)


class Scan:
    """What the Observatory's retriever collects for one URL."""

    def __init__(self, host, http_route, https_route, auto, cors, cookies):
        self.host = host
        self.http_route = http_route  # every hop of the http:// request
        self.https_route = https_route
        self.auto = auto  # the final https:// response
        self.cors = cors
        self.cookies = cookies  # raw Set-Cookie strings seen in the https session


def split_policies(values):
    return [part.strip() for value in values for part in value.split(",")]


class CspInvalid(Exception):
    pass


def parse_csp(policies, meta=False):
    """cspParser.js for the usual case of one policy; several are merged strictly."""
    policies = [p.replace("\r", "").replace("\n", "").strip() for p in policies]
    if not policies:
        return {}
    for policy in policies:
        if len(policy) < len("img-src") - 1:
            raise CspInvalid(policy)
    result = {}
    for index, policy in enumerate(policies):
        seen = set()
        parsed = {}
        for entry in policy.split(";"):
            words = entry.strip().split()
            if not words:
                continue
            directive = words[0].lower()
            if directive in seen:
                if directive in {"report-uri", "report-to"}:
                    result["_duplicates"] = {directive}
                    continue
                raise CspInvalid(f"duplicate {directive}")
            seen.add(directive)
            sources = {w.lower() for w in words[1:]}
            if not sources and directive.endswith("-src"):
                sources = {"'none'"}
            parsed[directive] = sources
        for directive, sources in parsed.items():
            if index == 0 or directive not in result:
                result[directive] = sources
            else:  # a source has to be allowed by every policy to count
                result[directive] = (result[directive] & sources) or {"'none'"}
    if meta:
        for directive in ("frame-ancestors", "report-uri", "sandbox"):
            result.pop(directive, None)
    return result


DANGEROUSLY_BROAD = {
    "ftp:",
    "http:",
    "https:",
    "*",
    "http://*",
    "http://*.*",
    "https://*",
    "https://*.*",
}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
NONCE_HASH = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")


def csp_test(scan):
    auto = scan.auto
    http_policies = split_policies(auto.header("content-security-policy"))
    meta_policies = split_policies(auto.http_equiv.get("content-security-policy", []))
    try:
        csp = parse_csp(http_policies + meta_policies)
    except CspInvalid:
        return "csp-header-invalid", None
    try:
        header_only = parse_csp(http_policies)
    except CspInvalid:
        header_only = {}
    try:
        meta_csp = parse_csp(meta_policies, meta=True)
    except CspInvalid:
        meta_csp = {}
    if not header_only and not meta_csp:
        if auto.header("content-security-policy-report-only"):
            return "csp-not-implemented-but-reporting-enabled", None
        return "csp-not-implemented", None

    def sources(name, fallback=True):
        found = csp.get(name) or (csp.get("default-src") if fallback else None)
        return set(found or {"*"})

    object_src = sources("object-src")
    script_src = sources("script-src")
    style_src = sources("style-src")
    result = None
    for source_list in (script_src, style_src):
        if any(s.startswith(NONCE_HASH) for s in source_list):
            source_list.discard("'unsafe-inline'")
    if "'strict-dynamic'" in script_src:
        if any(s.startswith(NONCE_HASH) for s in script_src):
            for source in list(script_src):
                if any(source.startswith(b) for b in DANGEROUSLY_BROAD) or source in {
                    "'self'",
                    "'unsafe-inline'",
                }:
                    script_src.discard(source)
        else:
            result = "csp-header-invalid"
    passive = {"img-src", "media-src"}
    active_sources = [
        s
        for directive, values in csp.items()
        if directive not in passive and directive != "script-src"
        for s in values
    ] + list(script_src)
    passive_sources = [
        s for d in passive for s in (csp.get(d) or csp.get("default-src") or set())
    ]
    https = scan.auto.url.scheme == "https"

    def first(current, new):
        return current or new

    if script_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE) or object_src & (
        DANGEROUSLY_BROAD
    ):
        result = first(result, "csp-implemented-with-unsafe-inline")
    if https and any(s.startswith(("http:", "ftp:")) for s in active_sources):
        result = first(result, "csp-implemented-with-insecure-scheme")
    if "'unsafe-eval'" in script_src | style_src:
        result = first(result, "csp-implemented-with-unsafe-eval")
    if https and any(s.startswith(("http:", "ftp:")) for s in passive_sources):
        result = first(
            result, "csp-implemented-with-insecure-scheme-in-passive-content-only"
        )
    if style_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE):
        result = first(result, "csp-implemented-with-unsafe-inline-in-style-src-only")
    if csp.get("default-src") == {"'none'"}:
        result = first(result, "csp-implemented-with-no-unsafe-default-src-none")
    else:
        result = first(result, "csp-implemented-with-no-unsafe")
    passing = {
        "csp-implemented-with-no-unsafe",
        "csp-implemented-with-no-unsafe-default-src-none",
        "csp-implemented-with-unsafe-inline-in-style-src-only",
        "csp-implemented-with-insecure-scheme-in-passive-content-only",
    }
    if result in passing and "_duplicates" in csp:
        result = "csp-implemented-but-duplicate-directives"
    return result, csp


def hsts_test(scan):
    """strict-transport-security.js; the site is not on the preload list."""
    values = scan.auto.header("strict-transport-security") if scan.auto else []
    if not values:
        return "hsts-not-implemented"
    header = values[0][:1024]
    if "," in header:
        return "hsts-header-invalid"
    max_age = None
    for parameter in (p.strip().lower() for p in header.split(";")):
        if parameter.startswith("max-age="):
            try:
                max_age = int(parameter[8:128])
            except ValueError:
                return "hsts-header-invalid"
    if max_age is None:
        return "hsts-header-invalid"
    if max_age < 15_552_000:
        return "hsts-implemented-max-age-less-than-six-months"
    return "hsts-implemented-max-age-at-least-six-months"


def parse_set_cookie(raw):
    name_value, *attributes = raw.split(";")
    cookie = {
        "name": name_value.split("=", 1)[0].strip(),
        "secure": False,
        "httponly": False,
        "samesite": None,
    }
    for attribute in attributes:
        key, _, value = attribute.strip().partition("=")
        key = key.strip().lower()
        if key == "secure":
            cookie["secure"] = True
        elif key == "httponly":
            cookie["httponly"] = True
        elif key == "samesite":
            cookie["samesite"] = value.strip().lower() or None
    return cookie


def cookies_test(scan):
    goodness = [
        "cookies-without-secure-flag-but-protected-by-hsts",
        "cookies-without-secure-flag",
        "cookies-session-without-secure-flag-but-protected-by-hsts",
        "cookies-samesite-flag-invalid",
        "cookies-anticsrf-without-samesite-flag",
        "cookies-session-without-httponly-flag",
        "cookies-session-without-secure-flag",
    ]

    def worse(new, old):
        if old is None or goodness.index(new) > goodness.index(old):
            return new
        return old

    hsts = hsts_test(scan) == "hsts-implemented-max-age-at-least-six-months"
    result = None
    for raw in scan.auto.set_cookies:
        for part in raw.split(";"):
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == "samesite" and value.strip().lower() not in {
                "lax",
                "strict",
                "none",
            }:
                result = worse("cookies-samesite-flag-invalid", result)
    jar = {}
    for raw in scan.cookies:
        cookie = parse_set_cookie(raw)
        jar[cookie["name"]] = cookie
    if not jar:
        return "cookies-not-found"
    missing_samesite = False
    for cookie in jar.values():
        name = cookie["name"].lower()
        session = "login" in name or "sess" in name
        anticsrf = "csrf" in name
        if not cookie["secure"] and cookie["samesite"] == "none":
            result = worse("cookies-samesite-flag-invalid", result)
        if not cookie["secure"]:
            result = worse(
                "cookies-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-without-secure-flag",
                result,
            )
        if anticsrf and not cookie["samesite"]:
            result = worse("cookies-anticsrf-without-samesite-flag", result)
        if session and not cookie["secure"]:
            result = worse(
                "cookies-session-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-session-without-secure-flag",
                result,
            )
        if session and not cookie["httponly"]:
            result = worse("cookies-session-without-httponly-flag", result)
        if not cookie["samesite"]:
            missing_samesite = True
    if result:
        return result
    if missing_samesite:
        return "cookies-secure-with-httponly-sessions"
    return "cookies-secure-with-httponly-sessions-and-samesite"


def cors_test(scan):
    acao = scan.cors.first("access-control-allow-origin") if scan.cors else None
    if not acao:
        return "cross-origin-resource-sharing-not-implemented"
    acao = acao[:256].strip().lower()
    credentials = (scan.cors.first("access-control-allow-credentials") or "").lower()
    if acao == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access"
    if acao == CORS_ORIGIN and credentials.strip() == "true":
        return "cross-origin-resource-sharing-implemented-with-universal-access"
    return "cross-origin-resource-sharing-implemented-with-restricted-access"


def redirection_test(scan):
    route = [hop.url for hop in scan.http_route]
    if not route:
        return "redirection-not-needed-no-http"
    if len(route) == 1:
        return "redirection-missing"
    if route[-1].scheme != "https":
        return "redirection-not-to-https"
    if route[1].scheme == "http":
        return "redirection-not-to-https-on-initial-redirection"
    if route[0].scheme == "http" and route[0].hostname != route[1].hostname:
        return "redirection-off-host-from-http"
    return "redirection-to-https"


def referrer_policy_test(scan):
    good = {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }
    bad = {
        "origin",
        "origin-when-cross-origin",
        "unsafe-url",
        "no-referrer-when-downgrade",
    }
    values = scan.auto.header("referrer-policy") + scan.auto.http_equiv.get(
        "referrer", []
    )
    if not values:
        return "referrer-policy-not-implemented"
    known = [
        v.strip().lower()
        for v in ", ".join(values).split(",")
        if v.strip().lower() in good | bad
    ]
    policy = known[-1] if known else ""
    if policy in good:
        return "referrer-policy-private"
    if policy in bad:
        return "referrer-policy-unsafe"
    return "referrer-policy-header-invalid"


def registrable_domain(host):
    return ".".join((host or "").split(".")[-2:])


def sri_test(scan):
    goodness = [
        "sri-implemented-and-all-scripts-loaded-securely",
        "sri-implemented-and-external-scripts-loaded-securely",
        "sri-implemented-but-external-scripts-not-loaded-securely",
        "sri-not-implemented-but-external-scripts-loaded-securely",
        "sri-not-implemented-and-external-scripts-not-loaded-securely",
        "sri-not-implemented-response-not-html",
    ]

    def worse(new, old):
        if old is None or goodness.index(new) > goodness.index(old):
            return new
        return old

    mime = (scan.auto.first("content-type") or "").split(";")[0]
    if mime and mime not in HTML_TYPES:
        return "sri-not-implemented-response-not-html"
    result = None
    foreign = False
    for script in scan.auto.scripts:
        src = script.get("src")
        if not src:
            continue
        integrity = script.get("integrity")
        relative_protocol = bool(re.match(r"^//[^/]", src))
        full_url = bool(re.match(r"^https?://", src))
        relative_origin = not relative_protocol and not full_url
        same_domain = relative_protocol or relative_origin
        if full_url:
            same_domain = registrable_domain(urlsplit(src).hostname) == (
                registrable_domain(scan.host)
            )
        secure_origin = relative_origin or (same_domain and not relative_protocol)
        if not secure_origin:
            foreign = True
        scheme = urlsplit(src).scheme + ":" if full_url else None
        secure_scheme = scheme == "https:" or (
            relative_origin and scan.auto.url.scheme == "https"
        )
        if not secure_origin:
            if integrity and not secure_scheme:
                result = worse(
                    "sri-implemented-but-external-scripts-not-loaded-securely", result
                )
            elif not integrity and secure_scheme:
                result = worse(
                    "sri-not-implemented-but-external-scripts-loaded-securely", result
                )
            elif not integrity:
                result = worse(
                    "sri-not-implemented-and-external-scripts-not-loaded-securely",
                    result,
                )
        elif integrity and secure_scheme and not result:
            result = "sri-implemented-and-all-scripts-loaded-securely"
    if not scan.auto.scripts:
        return "sri-not-implemented-but-no-scripts-loaded"
    if not result:
        return (
            "sri-implemented-and-external-scripts-loaded-securely"
            if foreign
            else "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
        )
    return result


def xcto_test(scan):
    value = scan.auto.first("x-content-type-options")
    if not value:
        return "x-content-type-options-not-implemented"
    if value[:256].strip().lower() == "nosniff":
        return "x-content-type-options-nosniff"
    return "x-content-type-options-header-invalid"


def xfo_test(scan):
    value = scan.auto.first("x-frame-options")
    if value:
        xfo = value[:1024].strip().lower()
        if xfo in {"deny", "sameorigin"}:
            result = "x-frame-options-sameorigin-or-deny"
        elif xfo.startswith("allow-from"):
            result = "x-frame-options-allow-from-origin"
        else:
            result = "x-frame-options-header-invalid"
    else:
        result = "x-frame-options-not-implemented"
    _, csp = csp_test(scan)
    if csp and csp.get("frame-ancestors"):
        result = "x-frame-options-implemented-via-csp"
    return result


def corp_test(scan):
    value = scan.auto.first("cross-origin-resource-policy")
    equiv = scan.auto.http_equiv.get("cross-origin-resource-policy")
    if value:
        corp = value[:256].strip().lower()
    elif equiv:
        corp = equiv[-1][:256].strip().lower()
    else:
        return "corp-not-implemented"
    return {
        "same-site": "corp-implemented-with-same-site",
        "same-origin": "corp-implemented-with-same-origin",
        "cross-origin": "corp-implemented-with-cross-origin",
    }.get(corp, "corp-header-invalid")


def grade(scan):
    """scanner/index.js: penalties first; bonuses only from an A (90) upwards."""
    status = scan.auto.status
    assert 200 <= status < 400 or status in {401, 403}, (
        f"the Observatory refuses to grade a {status} response"
    )
    results = {
        "content-security-policy": csp_test(scan)[0],
        "cookies": cookies_test(scan),
        "cross-origin-resource-sharing": cors_test(scan),
        "redirection": redirection_test(scan),
        "referrer-policy": referrer_policy_test(scan),
        "strict-transport-security": hsts_test(scan),
        "subresource-integrity": sri_test(scan),
        "x-content-type-options": xcto_test(scan),
        "x-frame-options": xfo_test(scan),
        "cross-origin-resource-policy": corp_test(scan),
    }
    with_extra_credit = 100 + sum(MODIFIERS[r] for r in results.values())
    uncurved = 100 + sum(min(MODIFIERS[r], 0) for r in results.values())
    score = (
        with_extra_credit if uncurved >= MINIMUM_SCORE_FOR_EXTRA_CREDIT else uncurved
    )
    return max(score, 0), results


def letter(score):
    chart = [
        (100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"),
        (60, "C+"), (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"),
    ]  # fmt: skip
    return next((g for floor, g in chart if score >= floor), "F")


# --------------------------------------------------------------------------------
# Fetching through the real middleware stack, as the TLS proxy forwards requests
# --------------------------------------------------------------------------------

PROXY_ADDR = "10.0.0.2"
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
VISITOR_ADDR = "198.51.100.7"
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "test-only-" + "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "testserver",
    "DATABASE_URL": "sqlite:///unused.sqlite3",
    "DJANGO_CACHE_URL": "locmem://",
}
PRODUCTION_ONLY = (
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "TRUSTED_PROXY_COUNT",
    "DEBUG",
)


@pytest.fixture
def production(settings, monkeypatch):
    """Apply the security values of capj.settings.production, read from the module."""
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    sys.modules.pop("capj.settings.production", None)
    module = importlib.import_module("capj.settings.production")
    sys.modules.pop("capj.settings.production", None)
    for name in PRODUCTION_ONLY:
        setattr(settings, name, getattr(module, name))
    return module


def proxied(client, method, url, **extra):
    """Send a request as the TLS proxy forwards it to gunicorn."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {
        "HTTP_X_FORWARDED_PROTO": parts.scheme,
        "HTTP_X_FORWARDED_FOR": VISITOR_ADDR,
        "REMOTE_ADDR": PROXY_ADDR,
        "HTTP_ACCEPT": ACCEPT,
    }
    headers.update(extra)
    return getattr(client, method)(path, **headers)


def follow(client, url, method="get", data=None, limit=10):
    hops = []
    for _ in range(limit):
        if data is not None and method == "post":
            parts = urlsplit(url)
            response = client.post(
                parts.path,
                data,
                HTTP_X_FORWARDED_PROTO=parts.scheme,
                HTTP_X_FORWARDED_FOR=VISITOR_ADDR,
                REMOTE_ADDR=PROXY_ADDR,
            )
        else:
            response = proxied(client, method, url)
        hops.append((url, response))
        if response.status_code not in {301, 302, 303, 307, 308}:
            break
        location = response["Location"]
        if location.startswith("/"):
            location = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}{location}"
        url = location
        if response.status_code in {301, 302, 303}:
            method, data = "get", None
    return hops


def observatory_scan(path, client=None, method="get", data=None):
    client = client or Client()
    host = "testserver"
    http_hops = follow(client, f"http://{host}{path}")
    https_hops = follow(client, f"https://{host}{path}", method=method, data=data)
    # One Reply a response: a streamed body can be read once.
    https_route = [Reply(url, r) for url, r in https_hops]
    cookies = [raw for reply in https_route for raw in reply.set_cookies]
    final_url, final = https_hops[-1]
    robots = proxied(client, "get", f"https://{host}/robots.txt")
    cookies += Reply("https://x/", robots).set_cookies
    cors = proxied(
        client,
        "options",
        final_url,
        HTTP_ORIGIN=CORS_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    cookies += Reply(final_url, cors).set_cookies
    return Scan(
        host=host,
        http_route=[Reply(url, r) for url, r in http_hops],
        https_route=https_route,
        auto=https_route[-1],
        cors=Reply(final_url, cors),
        cookies=cookies,
    )


# --------------------------------------------------------------------------------
# The grade of each kind of URL
# --------------------------------------------------------------------------------


def home_url():
    return reverse("dialogue:home")


def detail_url():
    return Meeting.objects.published().order_by("start_date").last().get_absolute_url()


def admin_login_url():
    return reverse("admin:login")


def record_score(label, scan, score, results, method="GET"):
    """Keep the grade in test-artifacts/observatory.txt, one line per URL.

    Each line: the URL, the score, the grade and every check's modifier. Tests on
    several xdist workers write here, so each replaces its own line under a lock.
    """
    url = scan.auto.url.geturl()
    checks = ", ".join(
        f"{check} {MODIFIERS[result]:+d} ({result})"
        for check, result in results.items()
    )
    line = f"{label}: {method} {url} | score {score} | {letter(score)} | {checks}\n"
    print(line, end="")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTIFACTS / "observatory.txt", "a+") as report:
        fcntl.flock(report, fcntl.LOCK_EX)
        report.seek(0)
        lines = [old for old in report if not old.startswith(f"{label}: ")]
        report.seek(0)
        report.truncate()
        report.writelines([*lines, line])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, url",
    [
        ("home page", home_url),
        ("meeting page", detail_url),
        ("admin login", admin_login_url),
    ],
)
def test_observatory_grade_is_a_plus(production, seed, name, url):
    scan = observatory_scan(url())
    score, results = grade(scan)
    record_score(name, scan, score, results)
    assert scan.auto.status == 200
    assert score >= 100, results
    assert letter(score) == "A+"
    assert results["content-security-policy"] == (
        "csp-implemented-with-no-unsafe-default-src-none"
    )
    assert results["strict-transport-security"] == (
        "hsts-implemented-max-age-at-least-six-months"
    )
    assert results["redirection"] == "redirection-to-https"
    assert results["x-frame-options"] == "x-frame-options-implemented-via-csp"
    assert results["referrer-policy"] == "referrer-policy-private"


@pytest.mark.django_db
def test_admin_login_cookies_earn_the_samesite_bonus(production):
    score, results = grade(observatory_scan(admin_login_url()))
    assert results["cookies"] == "cookies-secure-with-httponly-sessions-and-samesite"
    assert score == 125


@pytest.mark.django_db
def test_public_csv_download_grade_is_a_plus(production, seed):
    """The open-data CSV of meetings, as anyone downloads it."""
    scan = observatory_scan(reverse("dialogue:dataset-csv", args=["meetings"]))
    assert scan.auto.status == 200
    assert scan.auto.first("content-type").startswith("text/csv")
    assert "slug,kind,number,title" in scan.auto.text
    score, results = grade(scan)
    record_score("open-data meetings CSV", scan, score, results)
    assert results["subresource-integrity"] == "sri-not-implemented-response-not-html"
    assert score >= 100, results


class FormFields(HTMLParser):
    """The values a browser would submit from each POST form of a page."""

    def __init__(self, pick):
        super().__init__()
        self.pick = pick  # select name -> option label to choose
        self.forms = []
        self._fields = None
        self._select = None
        self._options = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            post = (attrs.get("method") or "").lower() == "post"
            self._fields = [] if post else None
            return
        if self._fields is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            if kind not in {"submit", "button", "file"}:
                self._fields.append((name, attrs.get("value") or "on"))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append([attrs.get("value", ""), "selected" in attrs, ""])

    def handle_data(self, data):
        if self._select and self._options:
            self._options[-1][2] += data.strip()

    def handle_endtag(self, tag):
        if tag == "form" and self._fields is not None:
            self.forms.append(self._fields)
            self._fields = None
        if tag == "select" and self._select:
            wanted = self.pick.get(self._select)
            chosen = next(
                (o for o in self._options if wanted and o[2].lower() == wanted),
                next((o for o in self._options if o[1]), None),
            ) or (self._options[0] if self._options else None)
            if chosen and self._fields is not None:
                self._fields.append((self._select, chosen[0]))
            self._select = None

    def form_with(self, field):
        """The submitted data of the first form that has the named field."""
        fields = next(f for f in self.forms if field in dict(f))
        data = {}
        for name, value in fields:
            data.setdefault(name, []).append(value)
        return data


@pytest.mark.django_db
def test_admin_csv_export_grade_is_a_plus(production, seed):
    """The admin export of meetings, submitted as the export form offers it."""
    url = reverse("admin:dialogue_meeting_export")
    admin = User.objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.force_login(admin)
    page = proxied(client, "get", f"https://testserver{url}")
    assert page.status_code == 200
    assert blocked_by_policy(page, styles=False) == []
    form = FormFields({"format": "csv"})
    form.feed(page.content.decode())
    data = form.form_with("format")
    scan = observatory_scan(url, client=client, method="post", data=data)
    assert scan.auto.first("content-type").startswith("text/csv"), scan.auto.text[:500]
    score, results = grade(scan)
    record_score("admin meetings CSV export", scan, score, results, method="POST")
    assert score >= 100, results


# The scorer itself must be able to fail: weakened headers lose points.


def graded_with(headers, production_scan):
    scan = production_scan
    for name, value in headers.items():
        if value is None:
            scan.auto.headers.pop(name, None)
        else:
            scan.auto.headers[name] = [value]
    return grade(scan)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers, expected_result, expected_score",
    [
        (
            {
                "content-security-policy": (
                    "default-src 'self'; script-src 'self' 'unsafe-inline'"
                )
            },
            ("content-security-policy", "csp-implemented-with-unsafe-inline"),
            60,  # -20 CSP, -20 X-Frame-Options (no frame-ancestors, header dropped)
        ),
        (
            {"content-security-policy": None},
            ("content-security-policy", "csp-not-implemented"),
            55,
        ),
        (
            {"strict-transport-security": "max-age=86400"},
            (
                "strict-transport-security",
                "hsts-implemented-max-age-less-than-six-months",
            ),
            110,  # 120 - 10: still an A before bonuses, so the bonuses stay
        ),
        (
            {"referrer-policy": "unsafe-url"},
            ("referrer-policy", "referrer-policy-unsafe"),
            110,  # loses the +5 and takes -5
        ),
        (
            {"x-content-type-options": None},
            ("x-content-type-options", "x-content-type-options-not-implemented"),
            115,
        ),
    ],
)
def test_weakened_headers_lose_the_a_plus(
    production, headers, expected_result, expected_score
):
    scan = observatory_scan(home_url())
    if "content-security-policy" in headers:
        scan.auto.headers.pop("x-frame-options", None)
    score, results = graded_with(headers, scan)
    test_name, result = expected_result
    assert results[test_name] == result
    assert score == expected_score


def test_cookie_rules_follow_the_observatory():
    def scan_with(*raw):
        scan = Scan("testserver", [], [], None, None, list(raw))
        scan.auto = type(
            "A", (), {"set_cookies": list(raw), "header": lambda s, n: []}
        )()
        return cookies_test(scan)

    assert scan_with("sessionid=1; Secure; SameSite=Lax") == (
        "cookies-session-without-httponly-flag"
    )
    assert scan_with("csrftoken=1; Secure") == "cookies-anticsrf-without-samesite-flag"
    assert scan_with("sessionid=1; HttpOnly; SameSite=Lax") == (
        "cookies-session-without-secure-flag"
    )
    assert scan_with("sessionid=1; HttpOnly; Secure; SameSite=Lax") == (
        "cookies-secure-with-httponly-sessions-and-samesite"
    )


# --------------------------------------------------------------------------------
# Headers on every kind of response
# --------------------------------------------------------------------------------


def csp_of(response):
    return parse_csp(split_policies([response["Content-Security-Policy"]]))


@pytest.mark.django_db
def test_policy_has_every_required_directive(production, seed):
    response = proxied(Client(), "get", f"https://testserver{home_url()}")
    csp = csp_of(response)
    assert csp["script-src"] == {"'self'"}
    assert csp["object-src"] == {"'none'"}
    assert csp["frame-ancestors"] == {"'none'"}
    assert csp["form-action"] == {"'self'"}
    assert csp["base-uri"] == {"'none'"}
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [404, 500])
def test_error_pages_carry_the_same_headers(production, status):
    client = Client(raise_request_exception=False)
    if status == 404:
        url = reverse("dialogue:meeting-detail", args=["no-such-meeting"])
    else:
        url = reverse("dialogue:meeting-detail", args=["boom"])
    if status == 500:
        from unittest import mock

        with mock.patch(
            "dialogue.views.MeetingDetailView.get_object",
            side_effect=RuntimeError("secret internals"),
        ):
            response = proxied(client, "get", f"https://testserver{url}")
    else:
        response = proxied(client, "get", f"https://testserver{url}")
    assert response.status_code == status
    assert csp_of(response)["default-src"] == {"'none'"}
    assert "max-age=31536000" in response["Strict-Transport-Security"]
    assert response["X-Content-Type-Options"] == "nosniff"
    if status == 500:
        page = response.content.decode()
        assert "Something went wrong" in page
        assert "secret internals" not in page
        assert "Traceback" not in page
        assert "SECRET_KEY" not in page


@pytest.mark.django_db
def test_http_redirects_to_https_on_the_same_host(production):
    response = proxied(Client(), "get", f"http://testserver{home_url()}")
    assert response.status_code == 301
    assert response["Location"] == f"https://testserver{home_url()}"


# --------------------------------------------------------------------------------
# The admin under the policy
# --------------------------------------------------------------------------------


JS_TYPES = {
    "module",
    "text/javascript",
    "application/javascript",
    "application/ecmascript",
    "text/ecmascript",
}


LOADED_LINKS = {"stylesheet", "icon", "preload", "modulepreload", "manifest"}


class InlineCode(HTMLParser):
    """Collects what the page's own Content-Security-Policy would block.

    Scripts are what matter: a blocked script breaks the page. Inline styles are
    collected apart, since a blocked one only changes the look.
    """

    def __init__(self, script_src):
        super().__init__()
        self.script_src = script_src
        self.blocked = []
        self.styles = []
        self.resources = []
        self._in_script = False

    def handler_allowed(self, code):
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        return (
            "'unsafe-hashes'" in self.script_src
            and f"'sha256-{digest}'".lower() in self.script_src
        )

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name.startswith("on") and not self.handler_allowed(attrs[name] or ""):
                self.blocked.append(f"{tag} {name}={attrs[name]!r}")
        if "style" in attrs:
            self.styles.append(f"{tag} style={attrs['style']!r}")
        if tag == "script":
            if attrs.get("src"):
                self.resources.append(attrs["src"])
            elif (attrs.get("type") or "text/javascript").lower() in JS_TYPES:
                self._in_script = True  # data blocks (JSON, JSON-LD) never run
        if tag == "style":
            self.styles.append("<style> element")
        rel = set((attrs.get("rel") or "").lower().split())
        if tag == "link" and attrs.get("href") and rel & LOADED_LINKS:
            self.resources.append(attrs["href"])
        for name in ("href", "src", "action"):
            if (attrs.get(name) or "").startswith("javascript:"):
                self.blocked.append(f"{tag} {name}=javascript:")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.blocked.append(f"inline script {data.strip()[:40]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def inline_code(response):
    page = InlineCode(csp_of(response)["script-src"])
    page.feed(response.content.decode())
    return page


def blocked_by_policy(response, styles=True):
    """Scripts (and, unless styles=False, inline styles) the policy would block."""
    page = inline_code(response)
    foreign = [r for r in page.resources if re.match(r"^(https?:)?//", r)]
    blocked = page.blocked + [f"off-site resource {r}" for r in foreign]
    return blocked + (page.styles if styles else [])


@pytest.mark.django_db
def test_admin_pages_need_nothing_the_policy_blocks(production, seed):
    admin = User.objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.force_login(admin)
    urls = [
        reverse("admin:index"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[admin.pk]),
        reverse("admin:auth_group_add"),
        reverse("admin:password_change"),
    ]
    from django.contrib import admin as django_admin

    for url in urls:
        response = proxied(client, "get", f"https://testserver{url}")
        assert response.status_code == 200, url
        assert blocked_by_policy(response) == [], url
    # Content admin pages, with the import and export pages where there are any:
    # no script may be blocked; blocked inline styles are only reported.
    content_urls = []
    for model in django_admin.site._registry:
        if model._meta.app_label != "dialogue":
            continue
        for view in ("changelist", "add", "import", "export"):
            try:
                content_urls.append(admin_url_of(model, view))
            except NoReverseMatch:
                pass
    for url in content_urls:
        response = proxied(client, "get", f"https://testserver{url}")
        assert response.status_code == 200, url
        assert blocked_by_policy(response, styles=False) == [], url
        styles = inline_code(response).styles
        if styles:
            print(f"{url}: inline styles the policy blocks (look only): {styles}")
    login = proxied(Client(), "get", f"https://testserver{admin_login_url()}")
    assert blocked_by_policy(login) == []
    assert 'name="username"' in login.content.decode()


def admin_url_of(model, view):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


def test_policy_check_finds_what_would_be_blocked(production):
    page = InlineCode({"'self'", "'unsafe-hashes'"})
    page.feed(
        '<button onclick="steal()">x</button><script>alert(1)</script>'
        '<script type="application/ld+json">{"a": 1}</script>'
        '<p style="color: red">x</p><a href="javascript:void(0)">x</a>'
    )
    assert page.blocked == [
        "button onclick='steal()'",
        "inline script 'alert(1)'",
        "a href=javascript:",
    ]
    assert page.styles == ["p style='color: red'"]
    digest = base64.b64encode(hashlib.sha256(b"steal()").digest()).decode()
    allowed = InlineCode({"'self'", "'unsafe-hashes'", f"'sha256-{digest}'".lower()})
    allowed.feed('<button onclick="steal()">x</button>')
    assert allowed.blocked == []


@pytest.mark.django_db
def test_public_pages_need_nothing_the_policy_blocks(production, seed):
    client = Client()
    pages = [home_url(), detail_url()] + [
        reverse(f"dialogue:{name}")
        for name in (
            "meeting-list",
            "participant-list",
            "pledge-list",
            "document-list",
            "source-list",
            "search",
            "open-data",
        )
    ]
    for url in pages:
        response = proxied(client, "get", f"https://testserver{url}")
        assert response.status_code == 200
        assert blocked_by_policy(response) == [], url


# --------------------------------------------------------------------------------
# Logins: lockout after 5 failures for 15 minutes, 429, same for unknown users
# --------------------------------------------------------------------------------


def attempt_login(client, username, password, visitor=VISITOR_ADDR, forwarded=None):
    return client.post(
        admin_login_url(),
        {"username": username, "password": password, "next": reverse("admin:index")},
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_FOR=forwarded or visitor,
        REMOTE_ADDR=PROXY_ADDR,
    )


@pytest.fixture
def staff(db):
    return User.objects.create_user(
        "alice", "alice@example.org", "right", is_staff=True
    )


LOCKED = "Account locked: too many login attempts. Please try again later."


@pytest.mark.django_db
def test_five_failures_lock_the_account_for_this_address(production, staff):
    client = Client()
    for attempt in range(1, 5):
        response = attempt_login(client, "alice", "wrong")
        assert response.status_code == 200, attempt
        assert "Please enter the correct username and password" in (
            response.content.decode()
        )
    fifth = attempt_login(client, "alice", "wrong")
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()
    # Even the right password is refused now.
    right = attempt_login(client, "alice", "right")
    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not locked out of the same account.
    other = attempt_login(Client(), "alice", "right", visitor="203.0.113.20")
    assert other.status_code == 302
    assert other["Location"] == reverse("admin:index")


@pytest.mark.django_db
def test_lockout_looks_the_same_for_unknown_usernames(production, staff):
    responses = {}
    for username in ("alice", "nobody-by-this-name"):
        client = Client()
        for _ in range(5):
            last = attempt_login(client, username, "wrong")
        responses[username] = last
    known, unknown = responses.values()
    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content
    assert known.content.decode() == LOCKED


@pytest.mark.django_db
def test_lockout_ends_after_fifteen_minutes(production, staff):
    client = Client()
    for _ in range(5):
        attempt_login(client, "alice", "wrong")
    assert attempt_login(client, "alice", "right").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=14)
    )
    assert attempt_login(client, "alice", "right").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=16)
    )
    response = attempt_login(client, "alice", "right")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


@pytest.mark.django_db
def test_forged_forwarded_for_does_not_escape_the_lockout(production, staff):
    """Only the address our proxy appended counts; what the client sent is ignored."""
    client = Client()
    for n in range(5):
        attempt_login(
            client, "alice", "wrong", forwarded=f"192.0.2.{n}, {VISITOR_ADDR}"
        )
    response = attempt_login(
        client, "alice", "right", forwarded=f"192.0.2.99, {VISITOR_ADDR}"
    )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        VISITOR_ADDR
    }


@pytest.mark.django_db
def test_without_trusted_proxies_forwarded_for_is_ignored(production, settings, staff):
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client()
    for n in range(5):
        attempt_login(client, "alice", "wrong", forwarded=f"192.0.2.{n}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        PROXY_ADDR
    }


# --------------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------------


def logged_in_client(username="alice", password="right"):
    client = Client()
    response = attempt_login(client, username, password)
    assert response.status_code == 302
    return client, response


def admin_index(client):
    return proxied(client, "get", f"https://testserver{reverse('admin:index')}")


@pytest.mark.django_db
def test_session_cookie_dies_with_the_browser_and_within_twelve_hours(
    production, staff
):
    before = timezone.now()
    client, response = logged_in_client()
    cookie = response.cookies["sessionid"]
    assert (
        cookie["expires"] == "" and cookie["max-age"] == ""
    )  # a browser-session cookie
    assert cookie["secure"] is True and cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"
    session = Session.objects.get(session_key=cookie.value)
    assert session.expire_date <= before + datetime.timedelta(hours=12, seconds=5)


def age_login(client, hours):
    session = client.session
    session[LOGIN_AT_KEY] -= int(hours * 3600)
    session.save()


@pytest.mark.django_db
def test_login_ends_twelve_hours_after_it_began_however_active(production, staff):
    client, _ = logged_in_client()
    age_login(client, 11.9)
    assert "Log out" in admin_index(client).content.decode()
    age_login(client, 0.2)  # 12.1 hours after login, though active a moment ago
    response = admin_index(client)
    assert response.status_code == 302
    assert response["Location"].startswith(admin_login_url())


@pytest.mark.django_db
def test_logout_invalidates_the_session(production, staff):
    client, response = logged_in_client()
    stolen = response.cookies["sessionid"].value
    assert admin_index(client).status_code == 200
    logout = client.post(
        reverse("admin:logout"),
        HTTP_X_FORWARDED_PROTO="https",
        REMOTE_ADDR=PROXY_ADDR,
    )
    assert "Logged out" in logout.content.decode()
    assert not Session.objects.filter(session_key=stolen).exists()
    replay = Client()
    replay.cookies["sessionid"] = stolen
    response = admin_index(replay)
    assert response.status_code == 302
    assert response["Location"].startswith(admin_login_url())


# --------------------------------------------------------------------------------
# Uploads
# --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_oversized_upload_is_refused_before_it_is_read(settings):
    settings.FILE_UPLOAD_MAX_SIZE = 1024 * 1024
    client = Client(enforce_csrf_checks=True)
    client.get(admin_login_url())  # sets the CSRF cookie; the form token is left out
    big = SimpleUploadedFile("big.csv", b"a,b\n" * 300_000, content_type="text/csv")
    response = client.post(admin_login_url(), {"import_file": big})
    assert response.status_code == 400  # refused while the CSRF check reads the form
    assert (
        "The upload is too large: files may be at most 1 MB and a request at most "
        "10 MB." in response.content.decode()
    )
    small = SimpleUploadedFile("small.csv", b"a,b\n", content_type="text/csv")
    response = client.post(admin_login_url(), {"import_file": small})
    assert response.status_code == 403  # read, then refused for the missing token
    assert "CSRF verification failed" in response.content.decode()


@pytest.mark.django_db
def test_many_selected_rows_fit_in_one_post(admin_client):
    """An action on thousands of selected rows posts one field per row."""
    users = [User.objects.create_user(f"user{n}") for n in range(3)]
    selected = [str(u.pk) for u in users] + [str(n) for n in range(10_000, 14_000)]
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": selected},
    )
    assert response.status_code == 200
    assert "Are you sure you want to delete the selected users?" in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_too_many_fields_are_refused_with_the_limit_named(settings, admin_client):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": list(range(60))},
    )
    assert response.status_code == 400
    assert (
        "Too many fields were sent at once (the limit is 50): select fewer rows."
        in response.content.decode()
    )


# --------------------------------------------------------------------------------
# The admin in a real browser under the policy
# --------------------------------------------------------------------------------

CSP_REPORT = "Content Security Policy"  # in every violation Chromium reports


@pytest.fixture
def chromium_page():
    """A page in Debian's Chromium, launched as tests/browser launches it, and the
    Content-Security-Policy violations Chromium reports on its console."""
    if not CHROMIUM.exists():
        unavailable(NO_CHROMIUM)
    from django.db import connections

    with chromium() as browser:
        context = browser.new_context(accept_downloads=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        violations = []
        page.on(
            "console",
            lambda message: (
                CSP_REPORT in message.text and violations.append(message.text)
            ),
        )
        yield page, violations
        context.close()
        # While Playwright's event loop runs, the test's queries get connections of
        # their own: close them before it stops, or they are left open for good.
        connections.close_all()


def assert_violations_are_heard(page, violations):
    """The listener works: an inline handler the policy forbids is reported."""
    heard = len(violations)
    with page.expect_console_message(lambda message: CSP_REPORT in message.text):
        page.evaluate(
            """() => {
                const probe = document.createElement("button");
                probe.setAttribute("onclick", "document.title = 'inline code ran'");
                document.body.append(probe);
                probe.click();
            }"""
        )
    assert page.title() != "inline code ran"
    assert len(violations) == heard + 1
    assert "inline event handler violates" in violations[-1]
    assert violations[-1].endswith("The action has been blocked.")


def log_in_as_root(page, live_server):
    User.objects.create_superuser("root", "root@example.org", "a-long-password")
    page.goto(live_server.url + reverse("admin:index"))
    page.fill("#id_username", "root")
    page.fill("#id_password", "a-long-password")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_admin_scripts_run_under_the_policy_in_chromium(
    migration_data, chromium_page, live_server
):
    page, violations = chromium_page
    Group.objects.create(name="Reviewers")
    log_in_as_root(page, live_server)
    assert page.inner_text("#content h1") == "Content"  # admin.site.index_title
    # actions.js: ticking a row updates the "n of m selected" counter.
    page.goto(live_server.url + reverse("admin:auth_user_changelist"))
    page.check("input.action-select")
    assert page.inner_text(".action-counter") == "1 of 1 selected"
    # SelectFilter2.js builds the two-box group chooser only when scripts run.
    user = User.objects.get(username="root")
    page.goto(live_server.url + reverse("admin:auth_user_change", args=[user.pk]))
    assert page.locator("#id_groups_from").count() == 1
    assert "Reviewers" in page.inner_text("#id_groups_from")
    assert violations == []
    assert_violations_are_heard(page, violations)


EXPORT_NAME = re.compile(r"meetings-\d{4}-\d{2}-\d{2}\.csv")


def downloaded_slugs(page, submit):
    with page.expect_download() as started:
        page.click(submit)
    download = started.value
    assert EXPORT_NAME.fullmatch(download.suggested_filename)
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    return sorted(row["slug"] for row in csv.DictReader(io.StringIO(text)))


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_admin_csv_export_works_under_the_policy_in_chromium(
    migration_data, chromium_page, live_server
):
    page, violations = chromium_page
    call_command("loaddata", "seed", verbosity=0)
    slugs = sorted(Meeting.objects.values_list("slug", flat=True))
    log_in_as_root(page, live_server)
    # Tick every meeting on the list and export the selection.
    page.goto(live_server.url + reverse("admin:dialogue_meeting_changelist"))
    page.check("#action-toggle")
    count = len(slugs)
    assert page.inner_text(".action-counter") == f"{count} of {count} selected"
    page.select_option("select[name=action]", "export_admin_action")
    page.click("button[name=index]")
    assert f"Export {count} selected items." in page.inner_text("#content")
    assert downloaded_slugs(page, "input[type=submit][value=Submit]") == slugs
    # The export page of the whole list, from the changelist's Export button.
    page.goto(live_server.url + reverse("admin:dialogue_meeting_changelist"))
    page.click("a.export_link")
    page.wait_for_url(f"**{reverse('admin:dialogue_meeting_export')}?")
    assert downloaded_slugs(page, "input[type=submit][value=Submit]") == slugs
    assert violations == []
    assert_violations_are_heard(page, violations)


IMPORT_CSV = (
    "slug,kind,number,title,status,start_date,end_date,city,host,format,summary,"
    "sources\n"
    "2014-07-16-foreign-ministers-5,foreign_ministers,5,"
    "5th Foreign Ministers' Meeting in Bishkek,held,2014-07,,Bishkek,KG,"
    "in_person,The ministers met in Kyrgyzstan.,mofa-joint-statement-2004\n"
)


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_admin_csv_import_works_under_the_policy_in_chromium(
    migration_data, chromium_page, live_server
):
    page, violations = chromium_page
    call_command("loaddata", "seed", verbosity=0)
    log_in_as_root(page, live_server)
    page.goto(live_server.url + reverse("admin:dialogue_meeting_import"))
    page.set_input_files(
        "input[name=import_file]",
        {"name": "meetings.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV.encode()},
    )
    page.click("input[type=submit][value=Submit]")
    assert page.inner_text(".import-summary") == (
        "meetings.csv: 1 new, 0 updated, 0 unchanged."
    )
    page.click("input[type=submit][value='Confirm import']")
    page.wait_for_url(live_server.url + reverse("admin:dialogue_meeting_changelist"))
    assert page.inner_text(".messagelist") == (
        "Import of meetings.csv finished: 1 new, 0 updated, 0 unchanged meetings."
    )
    assert Meeting.objects.filter(slug="2014-07-16-foreign-ministers-5").exists()
    assert violations == []
    assert_violations_are_heard(page, violations)


def test_missing_browser_tools_fail_the_run_when_ci_requires_them(monkeypatch):
    monkeypatch.delenv("CAPJ_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium here"):
        unavailable("no chromium here")
    monkeypatch.setenv("CAPJ_REQUIRE_BROWSER", "1")
    with pytest.raises(
        pytest.fail.Exception,
        match="no chromium here; CAPJ_REQUIRE_BROWSER=1 allows no skip",
    ):
        unavailable("no chromium here")


@pytest.mark.parametrize(
    "count, forwarded, expected",
    [
        (0, "192.0.2.1", PROXY_ADDR),  # no proxy trusted: the header is ignored
        (1, "192.0.2.1, 198.51.100.7", "198.51.100.7"),
        (2, "192.0.2.1, 198.51.100.7, 203.0.113.5", "198.51.100.7"),  # CDN + proxy
        (2, "198.51.100.7", PROXY_ADDR),  # fewer hops than proxies: not believed
        (1, "not-an-address", PROXY_ADDR),
        (1, "", PROXY_ADDR),
    ],
)
def test_client_address_trusts_only_our_proxies(
    settings, rf, count, forwarded, expected
):
    from capj.security import client_ip

    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=PROXY_ADDR)
    assert client_ip(request) == expected
