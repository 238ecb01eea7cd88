import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "showup.settings")
application = get_wsgi_application()

# Web processes hold no matching index: they write the matching outbox and the match workers
# (`showup match_worker`, reunite/matching_service.py) match. Nothing warms up here.
