"""The `publisher` command: the only place errors become messages and exit codes.

Exit codes: 0 success (validate: conforms), 1 validation found violations (import: a
document needs a person), 2 any other error (bad record, bad setting, bad query, no store).
The commands live by what they do: publishing.py (validate, build, watch, serve, export),
querying.py (sparql, query), importing.py (import); options.py makes their options from
the settings table, exits.py turns errors into messages and exit codes.
"""

from __future__ import annotations

from pathlib import Path

import click

from publisher import __version__
from publisher.cli import importing, publishing, querying


@click.group()
@click.version_option(__version__, prog_name="publisher")
@click.option("--config", type=click.Path(path_type=Path), default=None, help="TOML file of settings.")
@click.pass_context
def main(ctx: click.Context, config: Path | None) -> None:
    """Publish government information disclosure annual reports as linked open data.

    发布政府信息公开工作年度报告的关联开放数据。
    """
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


for command in (
    publishing.validate,
    publishing.build,
    publishing.watch,
    querying.sparql,
    publishing.serve,
    querying.query,
    publishing.export,
    importing.import_,
):
    main.add_command(command)
