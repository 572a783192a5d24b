from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("create_editor", *args, stdout=out)
    return out.getvalue()


def test_creates_a_staff_editor(monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "a-long-enough-passphrase")
    output = run("alice", "--password-env", "NEW_PASSWORD")
    assert output.strip() == ("Created 'alice': staff, in Editors. Log in at /admin/.")
    alice = User.objects.get(username="alice")
    assert alice.is_staff and not alice.is_superuser
    assert list(alice.groups.values_list("name", flat=True)) == ["Editors"]
    assert alice.check_password("a-long-enough-passphrase")


def test_steward_joins_both_groups_and_existing_user_is_promoted():
    User.objects.create_user("bob", password="x")
    output = run("bob", "--steward")
    assert "Updated 'bob': staff, in Editors and Data stewards." in output
    assert sorted(User.objects.get().groups.values_list("name", flat=True)) == [
        "Data stewards",
        "Editors",
    ]


def test_weak_password_is_refused_and_nothing_created(monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "123")
    with pytest.raises(CommandError) as error:
        run("carol", "--password-env", "NEW_PASSWORD")
    assert str(error.value).startswith("Password refused: This password is too short.")
    assert not User.objects.exists()
