"""What every command module shares: one-line failures and the app's shared objects."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from webapp.services import Services, get_services

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def reported(func: F) -> F:
    """Turn any failure of a command into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (`grantradar export | head`): stop quietly.
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - must outlive this frame
            sys.exit(0)
        except Exception as exc:
            logger.debug("command failed", exc_info=True)
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def services() -> Services:
    """Return the app's shared objects (inside the app context Flask's CLI provides)."""
    return get_services()
