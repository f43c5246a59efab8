"""WSGI entry point of the SPARQL service, for gunicorn or any WSGI server (see README.md here)."""

from tierslieux.service import create_app

app = create_app()
