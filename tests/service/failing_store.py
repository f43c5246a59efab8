"""A store handed to the application whose every query fails as a busy, exhausted or broken query process would make it fail.

Shared by the tests that check each route answers the store's failures with
the service's one error mapping (``service/errors.py``) rather than a 500.
"""

from __future__ import annotations


class FailingStore:
    """A store handed in whose every query fails with ``error`` (what a busy or exhausted query process raises)."""

    identity = "failing"
    read_only = True

    def __init__(self, error: Exception):
        self.error = error

    def query(self, *args, **kwargs):
        """Fail as the store would."""
        raise self.error

    def close(self) -> None:
        """Nothing to close."""
