"""The settings of a command: click options made from the settings table, and the settings they give."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from publisher.settings import SETTINGS, Settings, env_name, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def setting_options(*names: str, flags: dict[str, str] | None = None) -> Callable[[F], F]:
    """Click options for the named settings, with help text from the settings table."""
    flags = flags or {}

    def decorate(command: F) -> F:
        for setting in reversed([s for s in SETTINGS if s.name in names]):
            flag = flags.get(setting.name, "--" + setting.name.replace("_", "-"))
            command = click.option(
                flag,
                setting.name,
                default=None,
                type=click.Path(path_type=Path) if setting.type is Path else setting.type,
                help=f"{setting.help} [env {env_name(setting.name)}; default {setting.default}]",
            )(command)
        return command

    return decorate


def settings_from(ctx: click.Context, **overrides: Any) -> Settings:
    """The settings: flags over the environment over the config file given to `publisher --config`."""
    return load_settings(overrides, config_file=ctx.obj.get("config"))
