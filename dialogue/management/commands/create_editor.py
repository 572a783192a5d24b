"""Create (or promote) a staff account in the Editors group."""

import getpass
import os

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create a staff account for an editor (group Editors). With --steward it "
        "also joins Data stewards, who may import CSV files."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--steward", action="store_true", help="Also allow CSV imports."
        )
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="Read the password from this environment variable instead of "
            "asking for it.",
        )

    def handle(self, username, email, steward, password_env, **options):
        groups = ["Editors"] + (["Data stewards"] if steward else [])
        missing = [name for name in groups if not Group.objects.filter(name=name)]
        if missing:
            raise CommandError(
                f"The group {missing[0]!r} does not exist: run "
                "'python manage.py migrate' first."
            )
        user = User.objects.filter(username=username).first()
        if user is None:
            password = self._password(password_env)
            try:
                password_validation.validate_password(
                    password, User(username=username, email=email)
                )
            except ValidationError as exc:
                raise CommandError(
                    "Password refused: " + " ".join(exc.messages)
                ) from exc
        with transaction.atomic():
            if user is None:
                user = User.objects.create_user(username, email, password)
                action = "Created"
            else:
                action = "Updated"
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(*Group.objects.filter(name__in=groups))
        self.stdout.write(
            f"{action} {username!r}: staff, in {' and '.join(groups)}. "
            "Log in at /admin/."
        )

    def _password(self, variable):
        if variable:
            password = os.environ.get(variable, "")
            if not password:
                raise CommandError(f"The environment variable {variable} is empty.")
            return password
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ; nothing was created.")
        return first
