"""Load the stories demo: the boy on the curb (story 03) as a published story, its shop-camera
clip made from faces that ship in scikit-image and redacted by the real pipeline
(`showup.stories.demo_stories`). The demo coordinator drafts it and records the aunt's
consent; the demo admin, a second person, approves it. Needs `seed_demo`; running it again
changes nothing. All people are invented."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from showup.core.models import Agency, User
from showup.stories.demo_stories import seed_curb_story


class Command(BaseCommand):
    help = "Load the stories demo: story 03 published with a redacted clip (needs seed_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(slug="demo").first()
        users = {u.username: u for u in User.objects.filter(agency=agency)} if agency else {}
        author, reviewer = users.get("demo-coordinator"), users.get("demo-admin")
        if agency is None or author is None or reviewer is None:
            self.stderr.write("Run seed_demo first: the demo agency or its staff are missing.")
            return
        story = seed_curb_story(agency, author, reviewer)
        self.stdout.write(
            f"Stories demo: {story.reference} {story.get_status_display()}; "
            f"public page /stories/s/{story.public_token}/, feed /stories/feed.atom."
        )
