"""Every statement in fixtures/seed.json against the seed article
(fixtures/seed_article.txt): a quotation must be in the article word for word, a
date must be one the article gives (and no more precisely than it gives it), a
number or an amount must be one the article states.

The check walks every text, date and amount field of every record, so a wrong
fact added later fails it without this file naming it.
"""

import copy
import datetime
import json
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

FIXTURE = settings.BASE_DIR / "fixtures" / "seed.json"
ARTICLE = settings.BASE_DIR / "fixtures" / "seed_article.txt"

MONTHS = (
    "January February March April May June July August September October "
    "November December"
).split()
MONTH = "|".join(MONTHS)
NUMBER_WORDS = (
    "two three four five six seven eight nine ten eleven twelve".split()
)  # "one" reads as a pronoun as often as a number
SCALES = ("thousand", "million", "billion", "trillion")
CURRENCIES = {"USD": ("US $", "$"), "JPY": ("yen", "¥")}
#: Fields that name records rather than state facts.
KEY_FIELDS = {"slug", "code"}


def article_text():
    """The article, up to the end of its references and licence line: the
    publisher's page around it (its own copyright years) is not the article."""
    text = ARTICLE.read_text(encoding="utf-8")
    return text[: text.index("additional terms may apply.")]


def normal(text):
    """Quotation marks and apostrophes as plain characters, spaces collapsed."""
    text = re.sub("[‘’]", "'", text)
    text = re.sub("[“”]", '"', text)
    return re.sub(r"\s+", " ", text).strip()


def words(text):
    """Lower case words only (no punctuation, quotation marks, dollar signs or
    markup), one space apart: where a number and the word after it are compared."""
    text = re.sub(r"[^\w\s'-]|'(?!\w)|(?<!\w)'", " ", normal(text).lower())
    return re.sub(r"\s+", " ", text).strip()


class Article:
    def __init__(self, text):
        self.text = normal(text)
        self.words = f" {words(text)} "
        self.days = set()
        for month, day, year in re.findall(rf"({MONTH}) (\d{{1,2}}), (\d{{4}})", text):
            self.days.add(datetime.date(int(year), MONTHS.index(month) + 1, int(day)))
        for day, month, year in re.findall(rf"(\d{{1,2}}) ({MONTH}) (\d{{4}})", text):
            self.days.add(datetime.date(int(year), MONTHS.index(month) + 1, int(day)))
        self.months = {(d.year, d.month) for d in self.days}
        self.months |= {
            (int(year), MONTHS.index(month) + 1)
            for month, year in re.findall(rf"({MONTH}),? (\d{{4}})", text)
        }
        self.years = {int(year) for year in re.findall(r"\b((?:19|20)\d\d)\b", text)}
        self.tokens = set(re.findall(r"\w+", text.lower()))


# --- What a statement claims ----------------------------------------------------

QUOTATION = re.compile(r"“([^”]*)”|\"([^\"]*)\"")
DAY_IN_TEXT = re.compile(
    rf"\b(\d{{1,2}}) ({MONTH}),? (\d{{4}})\b|({MONTH}) (\d{{1,2}}), (\d{{4}})\b"
)
MONTH_IN_TEXT = re.compile(rf"\b({MONTH}),? (\d{{4}})\b")
YEAR_IN_TEXT = re.compile(r"\b((?:19|20)\d\d)\b")
DIGITS = re.compile(r"\b(\d+)(st|nd|rd|th)?\b(?: ([a-z]+))?")
NUMBER_WORD = re.compile(rf"\b({'|'.join(NUMBER_WORDS)}) (\w+)", re.I)


def text_problems(text, article):
    """What a text says that the article does not: quotations, dates, numbers."""
    problems = []
    for match in QUOTATION.finditer(text):
        quoted = normal(
            match.group(1) if match.group(1) is not None else match.group(2)
        )
        if quoted not in article.text:
            problems.append(f"quotation not in the article: “{quoted}”")
    rest = text
    for match in DAY_IN_TEXT.finditer(text):
        if match.group(1):
            day, month, year = match.group(1, 2, 3)
        else:
            month, day, year = match.group(4, 5, 6)
        date = datetime.date(int(year), MONTHS.index(month) + 1, int(day))
        if date not in article.days:
            problems.append(f"date not in the article: {match.group()}")
        rest = rest.replace(match.group(), " ")
    for match in MONTH_IN_TEXT.finditer(rest):
        month, year = match.groups()
        if (int(year), MONTHS.index(month) + 1) not in article.months:
            problems.append(f"month not in the article: {match.group()}")
        rest = rest.replace(match.group(), " ")
    for match in YEAR_IN_TEXT.finditer(rest):
        if int(match.group()) not in article.years:
            problems.append(f"year not in the article: {match.group()}")
    rest = YEAR_IN_TEXT.sub(" ", rest)
    rest = re.sub(r"(?m)^\s*\d+\. ", "", rest)  # a numbered list's own numbers
    for match in DIGITS.finditer(words(rest)):
        number, ordinal, following = match.groups()
        if following in SCALES:
            if f" {number} {following} " not in article.words:
                problems.append(f"amount not in the article: {number} {following}")
        elif f"{number}{ordinal or ''}" not in article.tokens:
            problems.append(f"number not in the article: {number}{ordinal or ''}")
    for match in NUMBER_WORD.finditer(words(rest)):
        phrase = f" {match.group(1).lower()} {match.group(2).lower()} "
        if phrase not in article.words:
            problems.append(f"number not in the article: {phrase.strip()}")
    return problems


def date_problem(value, precision, article):
    """A stored date the article does not give, or gives less precisely."""
    date = datetime.date.fromisoformat(value)
    known = {
        "day": date in article.days,
        "month": (date.year, date.month) in article.months,
        "year": date.year in article.years,
    }[precision]
    if not known:
        return f"date {value} (to the {precision}) not in the article"
    return None


def amount_words(amount):
    """700000000 -> "700 million", as an article writes an amount."""
    amount = Decimal(amount)
    for power, scale in ((12, "trillion"), (9, "billion"), (6, "million")):
        unit = Decimal(10) ** power
        if amount >= unit and amount % unit == 0:
            return f"{amount // unit:f} {scale}"
    return f"{amount.normalize():,f}"


def precision_field(name, fields):
    for candidate in (
        f"{name}_precision",
        name.replace("_date", "_precision"),
        name.replace("_on", "_precision"),
    ):
        if candidate != name and candidate in fields:
            return candidate
    return None


def record_problems(record, article):
    """Everything one fixture record states that the article does not."""
    model = apps.get_model(record["model"])
    fields = record["fields"]
    problems = []
    for name, value in fields.items():
        field = model._meta.get_field(name)
        if value in (None, "") or name in KEY_FIELDS or field.is_relation:
            continue
        if isinstance(field, models.DateField):
            precision = fields.get(precision_field(name, fields), "day")
            problem = date_problem(value, precision, article)
            problems += [f"{name}: {problem}"] if problem else []
        elif isinstance(field, models.DecimalField):
            said = amount_words(value)
            if f" {said} " not in article.words:
                problems.append(f"{name}: amount {said} not in the article")
            currency = fields.get("currency")
            if currency and not any(
                mark in article.text for mark in CURRENCIES.get(currency, (currency,))
            ):
                problems.append(f"{name}: currency {currency} not in the article")
        elif isinstance(field, models.CharField | models.TextField) and not (
            field.choices
        ):
            problems += [f"{name}: {p}" for p in text_problems(value, article)]
    if fields.get("is_quotation") and normal(fields["text"]) not in article.text:
        problems.append("text: quoted, but not in the article word for word")
    return problems


def label(record):
    fields = record["fields"]
    for name in ("slug", "code", "title", "name", "text"):
        if fields.get(name):
            return f"{record['model']} {str(fields[name])[:40]}"
    return f"{record['model']} {fields}"[:120]


def fixture_problems(records, article):
    """Each statement of the fixture the article does not make, with its record."""
    return [
        f"{label(record)}: {problem}"
        for record in records
        for problem in record_problems(record, article)
    ]


@pytest.fixture(scope="module")
def article():
    return Article(article_text())


@pytest.fixture(scope="module")
def records():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


# --- The fixture ---------------------------------------------------------------


def test_every_quotation_date_and_number_in_the_fixture_is_the_articles(
    article, records
):
    assert fixture_problems(records, article) == []


def test_the_check_reads_every_kind_of_record(records):
    # A kind left out of the walk would never be checked.
    kinds = {record["model"] for record in records}
    assert kinds == {
        f"dialogue.{name}"
        for name in (
            "source",
            "country",
            "person",
            "meetingseries",
            "meeting",
            "attendance",
            "pledge",
            "document",
            "documentpoint",
            "page",
        )
    }


def changed(records, model, field, old, new):
    """A copy of the fixture with one statement made wrong."""
    records = copy.deepcopy(records)
    hits = 0
    for record in records:
        value = record["fields"].get(field)
        if record["model"] == f"dialogue.{model}" and isinstance(value, str):
            if old in value:
                record["fields"][field] = value.replace(old, new)
                hits += 1
    assert hits, f"{old!r} is not in any {model}.{field}"
    return records


@pytest.mark.parametrize(
    ("model", "field", "old", "new", "problem"),
    [
        # A word changed inside a quotation.
        ("page", "body", "a new framework", "a novel framework", "quotation"),
        ("documentpoint", "text", "open regional", "closer regional", "quoted, but"),
        # A date the article does not give, in a date field and in a text.
        ("meeting", "start_date", "2012-11-10", "2012-11-11", "date 2012-11-11"),
        ("country", "summary", "in 2012", "in 2011", "year not in the article: 2011"),
        ("page", "body", "28 August 2004", "29 August 2004", "date not in"),
        # An amount or a number the article does not state.
        ("pledge", "amount", "700000000", "800000000", "amount 800 million"),
        ("meeting", "outcomes", "700 million", "800 million", "800 million"),
        ("page", "body", "four reasons", "five reasons", "five reasons"),
        ("country", "summary", "4th", "5th", "number not in the article: 5th"),
    ],
)
def test_a_wrong_fact_fails_the_check(
    article, records, model, field, old, new, problem
):
    problems = fixture_problems(changed(records, model, field, old, new), article)
    assert any(problem in found for found in problems), problems


def test_a_date_more_precise_than_the_article_fails_the_check(article):
    # The article gives 5 June 2006 to the day: that month and year are known
    # too, but another day in them is not, nor another year.
    assert date_problem("2006-06-06", "day", article)
    assert date_problem("2006-06-06", "month", article) is None
    assert date_problem("2006-01-01", "year", article) is None
    assert date_problem("2007-01-01", "year", article)
