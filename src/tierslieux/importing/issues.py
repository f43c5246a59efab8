"""What an import found wrong, with where: file, row and field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

WARNING = "Warning"
REJECTED = "Rejected"
ERROR = "Error"


class CleaningIssue(Exception):
    """Raised by a cleaning function when a value cannot be used; the field is then left out.

    ``reject`` marks a problem that rejects the whole row when the field is required.
    """

    def __init__(self, message: str, reject: bool = True):
        super().__init__(message)
        self.message = message
        self.reject = reject


class ImportFailure(Exception):
    """An import that cannot go on at all (unreadable file, missing required column, --strict)."""


@dataclass(frozen=True, order=True)
class Issue:
    """One message of an import: its severity and where it applies."""

    path: str
    row: str | None
    record: str | None
    fields: str | None
    severity: str
    message: str

    def __str__(self) -> str:
        where = self.path
        if self.row is not None:
            where += f", {self.row}"
        if self.record:
            where += f" (id {self.record})"
        if self.fields:
            where += f", field {self.fields}"
        return f"{self.severity}: {where}: {self.message}"


@dataclass
class IssueLog:
    """The issues of one import, in the order they were found, without repeats."""

    path: Path
    issues: list[Issue] = field(default_factory=list)
    _seen: set[Issue] = field(default_factory=set, repr=False)

    def add(self, severity: str, message: str, row: str | None = None, record: str | None = None,
            fields: str | None = None) -> Issue:
        """Record an issue (once) and return it."""
        issue = Issue(str(self.path), row, record, fields, severity, message)
        if issue not in self._seen:
            self._seen.add(issue)
            self.issues.append(issue)
        return issue

    def of(self, severity: str) -> list[Issue]:
        """Return the issues of one severity."""
        return [i for i in self.issues if i.severity == severity]
