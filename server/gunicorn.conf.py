"""gunicorn configuration for the SPARQL service in production: ``gunicorn -c server/gunicorn.conf.py``.

Reads TIERSLIEUX_HOST, TIERSLIEUX_PORT, TIERSLIEUX_WORKERS, TIERSLIEUX_QUERY_PROCESSES (the
requests a worker handles at once, which the application reads too: a query process each) and
TIERSLIEUX_QUERY_TIMEOUT_SECONDS from the environment; the settings themselves
are the ones ``tierslieux serve`` uses (tierslieux.service.gunicorn_settings).
"""

import os
from pathlib import Path

from tierslieux.service.gunicorn_settings import DEFAULT_THREADS, gunicorn_settings

_HERE = Path(__file__).resolve().parent
# The application is server/wsgi.py; without TIERSLIEUX_BUILD_DIR it serves the repository's build/.
os.environ.setdefault("TIERSLIEUX_BUILD_DIR", str(_HERE.parent / "build"))
chdir = str(_HERE)
wsgi_app = "wsgi:app"

globals().update(
    gunicorn_settings(
        host=os.environ.get("TIERSLIEUX_HOST", "127.0.0.1"),
        port=int(os.environ.get("TIERSLIEUX_PORT", "8000")),
        workers=int(os.environ.get("TIERSLIEUX_WORKERS", str(min(2 * (os.cpu_count() or 1) + 1, 8)))),
        query_timeout=float(os.environ.get("TIERSLIEUX_QUERY_TIMEOUT_SECONDS", "30")),
        threads=int(os.environ.get("TIERSLIEUX_QUERY_PROCESSES") or DEFAULT_THREADS),
    )
)
