import pytest
from django.contrib.auth.models import Group, User


@pytest.fixture
def editor(db):
    """A staff user in the Editors group (not a superuser)."""
    user = User.objects.create_user("editor", "editor@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def seed(db):
    """The fixtures shipped in fixtures/, loaded as `make run` loads them."""
    from django.core.management import call_command

    call_command("loaddata", "seed", verbosity=0)
