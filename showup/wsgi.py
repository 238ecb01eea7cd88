import os
import sys

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "showup.settings")
application = get_wsgi_application()

# Only serving processes import this module, so only they build the matching index up front
# (see reunite/candidate_index.py); the thread is kept here for whoever wants to wait on it.
#
# Under gunicorn the warm-up starts in each worker after the fork, from the post_worker_init hook
# of deploy/gunicorn.conf.py (`start_in_worker` below), never at import: with `--preload`
# gunicorn imports this module in the master and then forks the workers, and a thread started
# in the master would be forked mid-work (holding the index's lock, Python's import lock or a
# database socket). Other servers (runserver, uWSGI) import this module in the serving process.
from showup.reunite.candidate_index import start_warm_up  # noqa: E402

index_warm_up = None if "gunicorn.arbiter" in sys.modules else start_warm_up()


def start_in_worker() -> None:
    """Warm this worker's own index (gunicorn's post_worker_init, once per worker process)."""
    global index_warm_up
    if index_warm_up is None:
        index_warm_up = start_warm_up()
