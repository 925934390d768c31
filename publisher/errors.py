"""The publisher's exceptions: one hierarchy, each message saying what to do next.

    PublisherError                 anything the publisher refuses to do
    ├── ConfigurationError         a setting or the project layout is wrong
    ├── SourceError                a record, registry or source document is malformed
    │                              (names the file, the line and the field)
    ├── FormatError                an ontology or format file is inconsistent
    ├── ValidationFailed           a report has SHACL violations (carries the outcomes)
    ├── BuildError                 a build could not be completed (the previous one stays)
    ├── StoreError                 no built store where one is needed
    ├── ListenError                the server cannot listen on its address (in use, not ours)
    ├── QueryError                 a SPARQL query is malformed or could not be run
    │   ├── QueryRefused           the query asks for something a public endpoint refuses
    │   │                          (updates, SERVICE, LOAD, too large)
    │   └── QueryTimeout           the query ran past the time limit and was stopped
    │       └── QueryBusy          not run: every query worker taken, too many waiting
    │                                  (carries the seconds after which to retry)
    └── NotFound                   a requested resource does not exist

Library code raises these; only the command line turns them into exit codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Conformance(Protocol):
    """What ValidationFailed carries of each report's outcome (publisher.validation's `Outcome`)."""

    @property
    def record(self) -> str: ...

    @property
    def conforms(self) -> bool: ...

    @property
    def text(self) -> str: ...


class PublisherError(Exception):
    """Base class of every error the publisher reports to a person."""


class ConfigurationError(PublisherError):
    """A setting has a value the publisher cannot use."""


class SourceError(PublisherError):
    """A record, the agency registry or a source document is malformed."""

    def __init__(self, file: object, message: str, line: int | None = None) -> None:
        self.file = str(file)
        self.line = line
        where = f"{self.file}:{line}" if line is not None else self.file
        super().__init__(f"{where}: {message}")


class FormatError(PublisherError):
    """The ontology or a report format description is inconsistent."""


class ValidationFailed(PublisherError):
    """One or more reports have violations and cannot be published."""

    def __init__(self, outcomes: Sequence[Conformance]) -> None:
        self.outcomes = list(outcomes)
        failing = [o for o in self.outcomes if not o.conforms]
        names = ", ".join(o.record for o in failing)
        super().__init__(
            f"{len(failing)} report(s) have violations and were not published: {names}. "
            "Fix the fields named in the findings and build again; the previous build is unchanged."
        )


class BuildError(PublisherError):
    """A build could not be completed; the previous build is left as it was."""


class StoreError(PublisherError):
    """There is no usable built store."""


class ListenError(PublisherError):
    """The server cannot listen on the address and port it was given."""


class QueryError(PublisherError):
    """A SPARQL query is malformed or could not be evaluated."""


class QueryRefused(QueryError):
    """The query asks for something the endpoint refuses: an update, SERVICE, LOAD, or too much."""


class QueryTimeout(QueryError):
    """The query ran longer than the configured limit and was stopped."""


class QueryBusy(QueryTimeout):
    """The query was not run: every query worker was taken (`retry_after`: seconds after which to try again)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(PublisherError):
    """A requested resource does not exist."""
