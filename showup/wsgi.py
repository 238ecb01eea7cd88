import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "showup.settings")
application = get_wsgi_application()

# Only serving processes import this module, so only they build the matching index up front
# (see reunite/candidate_index.py); the thread is kept here for whoever wants to wait on it.
from showup.reunite.candidate_index import start_warm_up  # noqa: E402

index_warm_up = start_warm_up()
