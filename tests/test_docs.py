"""The README documents what the code does: every setting, and the two commands.

The settings table in README.md (between the settings-table markers) must list
every setting of publisher.settings.SETTINGS with its environment variable,
default and help text, and nothing else; the README names the commands that set
up, run and test the project, and CI runs the same test command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.settings import PROJECT_ROOT, SETTINGS, Setting, env_name, load_settings

README = PROJECT_ROOT / "README.md"
CI = PROJECT_ROOT / ".ci" / "run"
START = "<!-- settings-table"
END = "<!-- /settings-table -->"


@dataclass(frozen=True)
class Row:
    name: str
    env: str
    default: str
    help: str


def code(cell: str) -> str:
    """The text of a table cell written as `code`."""
    match = re.fullmatch(r"`([^`]*)`", cell)
    assert match, f"README settings table: expected a `code` cell, got {cell!r}"
    return match.group(1)


def settings_table() -> list[Row]:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, f"README.md needs one {START} … {END} block"
    block = text[text.index(START) : text.index(END)]
    lines = [line.strip() for line in block.splitlines()[1:] if line.strip()]
    assert lines[0].startswith("| setting |"), lines[0]
    assert re.fullmatch(r"\|(?:-+\|)+", lines[1].replace(" ", "")), lines[1]
    rows = []
    for line in lines[2:]:
        assert line.startswith("|") and line.endswith("|"), f"README settings table: not a table row: {line!r}"
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line[1:-1])]
        assert len(cells) == 4, f"README settings table: expected 4 cells, got {cells}"
        rows.append(Row(code(cells[0]), code(cells[1]), code(cells[2]), cells[3]))
    return rows


ROWS = {row.name: row for row in settings_table()}


def test_the_table_has_one_row_per_setting() -> None:
    names = [row.name for row in settings_table()]
    assert len(names) == len(set(names)), f"a setting has two rows: {names}"
    unknown = set(names) - {s.name for s in SETTINGS}
    assert not unknown, f"README.md documents settings that do not exist: {sorted(unknown)}"
    assert len(SETTINGS) >= 3


@pytest.mark.parametrize("setting", [pytest.param(s, id=s.name) for s in SETTINGS])
def test_every_setting_is_documented(setting: Setting) -> None:
    assert setting.name in ROWS, f"add a row for `{setting.name}` to the settings table in README.md"
    row = ROWS[setting.name]
    assert row.env == env_name(setting.name)
    assert setting.type(row.default) == setting.type(setting.default), (row.default, setting.default)
    assert " ".join(row.help.split()) == " ".join(setting.help.split())


# A value other than the default, written as it would be in the environment.
SAMPLE = {str: "elsewhere", Path: "elsewhere", int: "4321", float: "2.5"}


@pytest.mark.parametrize("setting", [pytest.param(s, id=s.name) for s in SETTINGS])
def test_the_documented_environment_variable_sets_the_setting(setting: Setting) -> None:
    # The README's variable, or (for a setting it misses, reported above) the one the code derives.
    env = ROWS[setting.name].env if setting.name in ROWS else env_name(setting.name)
    raw = {"base_iri": "https://example.org/lod", "store": "sparql"}.get(setting.name, SAMPLE[setting.type])
    # a remote store needs its address too
    needed = {env_name("store_query_url"): "http://127.0.0.1:8890/sparql"} if setting.name == "store" else {}
    settings = load_settings(environ={**needed, env: raw})
    assert getattr(settings, setting.name) == setting.type(raw) != setting.default


@pytest.mark.parametrize("command", ["bash scripts/test", "bash scripts/run"])
def test_the_readme_names_the_commands(command: str) -> None:
    assert command in README.read_text(encoding="utf-8")
    script = PROJECT_ROOT / command.split()[1]
    assert script.is_file(), script


def test_ci_runs_the_test_script() -> None:
    commands = [
        line.strip()
        for line in CI.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert any(re.fullmatch(r"(?:exec\s+)?(?:bash\s+)?(?:\./)?scripts/test(?:\s.*)?", c) for c in commands), commands
