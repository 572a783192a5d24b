"""Load the seed fixtures into an empty database, and only there.

``make run`` calls this on every start: a database that already holds content,
seeded or not, is left as the editors made it.
"""

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Load fixtures/seed.json when the database holds no content yet; "
        "otherwise change nothing."
    )

    def handle(self, **options):
        # The meeting series a migration makes, one per kind, are not content.
        series = apps.get_model("dialogue", "MeetingSeries")
        models = apps.get_app_config("dialogue").get_models()
        if any(m.objects.exists() for m in models if m is not series):
            self.stdout.write(
                "The database already holds content: the seed was not loaded."
            )
            return
        call_command("loaddata", "seed", verbosity=options["verbosity"])
        self.stdout.write("Loaded the seed into the empty database.")
