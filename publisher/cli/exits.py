"""Errors become messages and exit codes here, and only here: 0 success, 1 violations (or a person needed), 2 error."""

from __future__ import annotations

import sys
from typing import Any

import click

from publisher.errors import ValidationFailed

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


def report_error(exc: Exception) -> None:
    """Print an error; for failed validation, every finding first."""
    if isinstance(exc, ValidationFailed):
        for outcome in exc.outcomes:
            click.echo(outcome.text, err=True)
    click.echo(f"error: {exc}", err=True)


def fail(exc: Exception, code: int | None = None) -> Any:
    """Report the error and exit: 1 for violations, 2 for anything else."""
    report_error(exc)
    sys.exit(code if code is not None else EXIT_VIOLATIONS if isinstance(exc, ValidationFailed) else EXIT_ERROR)
