import os

import pytest
from django.contrib.auth.models import Group, User
from hypothesis import HealthCheck, settings

# Property-based tests (Hypothesis) run a bounded number of examples in
# `make test`; CAPJ_FUZZ_EXAMPLES raises it for a longer hunt. No deadline: a
# database round trip on a busy machine is not a failure.
settings.register_profile(
    "capj",
    max_examples=int(os.environ.get("CAPJ_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("capj")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Tests marked ``xdist_group`` must share a worker under ``--dist loadgroup``
    (the browser tests write one report and share one Chromium): refuse to run if
    pytest-xdist did not group them, as happens with pytest versions whose node
    ids it cannot extend."""
    if not getattr(config.option, "loadgroup", False):
        return
    lost = [
        item.nodeid
        for item in items
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid
    ]
    if lost:
        raise pytest.UsageError(
            f"pytest-xdist did not group {len(lost)} tests marked xdist_group "
            f"(e.g. {lost[0]}): use the pytest version in requirements.txt."
        )


@pytest.fixture
def editor(db):
    """A staff user in the Editors group (not a superuser)."""
    if not Group.objects.filter(name="Editors").exists():
        # A test whose writes were committed ran first on this worker and emptied
        # every table, the data migrations' groups with them.
        restore_migration_data()
    user = User.objects.create_user("editor", "editor@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def steward(db):
    """A staff user in the Data stewards group, who may import."""
    if not Group.objects.filter(name="Data stewards").exists():
        restore_migration_data()  # emptied by a test whose writes were committed
    user = User.objects.create_user("steward", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Data stewards"))
    return user


@pytest.fixture
def steward_client(client, steward):
    client.force_login(steward)
    return client


@pytest.fixture(autouse=True)
def migration_data_present(request):
    """A test on a database rolled back after it finds the data migrations' rows
    (the Editors and Data stewards groups) even when a test whose writes were
    committed, and then emptied from every table, ran before it in this worker."""
    if "db" not in request.fixturenames or "transactional_db" in request.fixturenames:
        return
    request.getfixturevalue("db")
    if not Group.objects.filter(name="Data stewards").exists():
        restore_migration_data()


def restore_migration_data():
    """Run the data migrations' own functions again, on the models as each
    migration knew them (the Editors and Data stewards groups with their
    permissions, the kinds' own meeting series)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython

    loader = MigrationLoader(connection)
    for key in sorted(loader.applied_migrations):
        if key[0] != "dialogue":
            continue
        operations = loader.graph.nodes[key].operations
        if not any(isinstance(operation, RunPython) for operation in operations):
            continue
        # Each function sees the models as they are at its step of the migration.
        state = loader.project_state(key, at_end=False)
        for operation in operations:
            if isinstance(operation, RunPython):
                operation.code(state.apps, None)
            else:
                operation.state_forwards("dialogue", state)


@pytest.fixture
def migration_data(transactional_db):
    """The rows the data migrations made, for a test whose writes are committed.

    After such a test every table is emptied, and post_migrate brings back only the
    content types, the permissions and the default site.
    """
    restore_migration_data()


@pytest.fixture
def seed(db):
    """The fixtures shipped in fixtures/, loaded as `make run` loads them."""
    from django.core.management import call_command

    call_command("loaddata", "seed", verbosity=0)
