"""Bad input is refused with a message that says where and what, and the store stays as it was.

Each case breaks a copy of the seed record in one way and runs the real command
line (`publisher build --data COPY --out DIR`) over a directory that already holds
a good build. The build must fail with the documented exit code (1 for SHACL
violations, 2 for a record that cannot be read), the message must name the record
file, the line and the field or figure and say what is expected, and `current` must
still point at the same release, with every file of the build unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from publisher.build.builder import build
from publisher.cli import main
from publisher.release.paths import CURRENT
from tests.helpers import DATA, SEED_RECORD, SEED_SOURCE, make_settings

SOURCE = SEED_SOURCE.read_text(encoding="utf-8")
RECORD = SEED_RECORD.relative_to(DATA)
EXIT_VIOLATIONS, EXIT_ERROR = 1, 2


def replace_once(old: str, new: str) -> Callable[[str], str]:
    """An edit of the record text that must apply exactly once (a stale edit fails loudly)."""

    def edit(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the record"
        return text.replace(old, new)

    return edit


def block_of(key: str, text: str) -> str:
    """The lines of one figure in the record: its key line and the indented lines under it."""
    lines = text.splitlines(keepends=True)
    start = lines.index(f"  {key}:\n")
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    return "".join(lines[start:end])


def duplicate_figure(key: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        block = block_of(key, text)
        return text.replace(block, block + block)

    return edit


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line of `text` that contains `needle`."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} is not in the record {occurrence} time(s)"
    return hits[occurrence - 1]


# The source states 规划计划类信息22条 once; its offset is read from the source, not the record.
PLANS_QUOTE = "规划计划类信息22条"
PLANS_OFFSET = SOURCE.index(PLANS_QUOTE)
MISQUOTE = "规划计划信息22条"  # 类 left out
PLANS_HEAD = "  proactive-plans-2011:\n    item: category/plans\n"
# 机构类信息1条: the only figure of 1 in the record
ORGANISATION_VALUE = "    value: 1\n"
NEGATIVE_COUNT = replace_once(ORGANISATION_VALUE, "    value: -1\n")
NON_NUMERIC_COUNT = replace_once(ORGANISATION_VALUE, "    value: abc\n")


@dataclass(frozen=True)
class Bad:
    edit: Callable[[str], str]
    exit_code: int
    line: Callable[[str], int]  # the line the message must name, found in the edited record
    says: tuple[str, ...]  # what the message must contain: the field or figure, what is expected


CASES = [
    pytest.param(
        Bad(
            replace_once(
                f"{PLANS_HEAD}    period: annual\n    value: 22\n", f"{PLANS_HEAD}    period: annual\n\tvalue: 22\n"
            ),
            EXIT_ERROR,
            lambda text: line_of(text, "\tvalue: 22"),
            ("malformed YAML", "cannot start any token"),
        ),
        id="malformed-yaml",
    ),
    pytest.param(
        Bad(
            replace_once("year: 2011\n", ""),
            EXIT_ERROR,
            lambda text: line_of(text, "agency: "),  # the record's first field, where the mapping starts
            ("field 'year'", "missing; this field is required"),
        ),
        id="missing-year",
    ),
    pytest.param(
        Bad(
            replace_once(
                "agency: jilin-city-science-technology-bureau\n", "agency: jilin-city-science-and-technology-bureau\n"
            ),
            EXIT_ERROR,
            lambda text: line_of(text, "agency: jilin-city-science-and-technology-bureau"),
            (
                "field 'agency'",
                "unknown agency 'jilin-city-science-and-technology-bureau'",
                "agencies.yaml",
                "jilin-city-science-technology-bureau",  # a registered agency it could have been
            ),
        ),
        id="unknown-agency",
    ),
    pytest.param(
        Bad(
            replace_once(PLANS_HEAD, "  proactive-plans-2011:\n    item: category/plan\n"),
            EXIT_VIOLATIONS,
            lambda text: line_of(text, "  proactive-plans-2011:"),
            (
                "figure 'proactive-plans-2011'",
                "ObservationCodes",
                "category/plan is not a code of dimension",
                "use a code from",
            ),
        ),
        id="unknown-category-code",
    ),
    pytest.param(
        Bad(
            NEGATIVE_COUNT,
            EXIT_VIOLATIONS,
            lambda text: line_of(text, "  proactive-organisation-2011:"),
            (
                "figure 'proactive-organisation-2011'",
                "ObservationCount",
                "数量须为一个非负整数",
                "A count is one non-negative integer",
            ),
        ),
        id="negative-count",
    ),
    pytest.param(
        Bad(
            NON_NUMERIC_COUNT,
            EXIT_ERROR,
            lambda text: line_of(text, "value: abc"),
            ("field 'figures.proactive-organisation-2011.value'", "expected a whole number, got 'abc'"),
        ),
        id="non-numeric-count",
    ),
    pytest.param(
        Bad(
            duplicate_figure("proactive-plans-2011"),
            EXIT_ERROR,
            lambda text: line_of(text, "  proactive-plans-2011:", occurrence=2),
            ("duplicate key 'proactive-plans-2011'", "each key may appear once"),
        ),
        id="duplicated-yaml-key",
    ),
    pytest.param(
        Bad(
            # 规划计划类信息22条 recorded with the item of 规范性文件类信息21条
            replace_once(PLANS_HEAD, "  proactive-plans-2011:\n    item: category/normative-documents\n"),
            EXIT_VIOLATIONS,
            lambda text: line_of(text, "  proactive-plans-2011:"),
            (
                "figure 'proactive-plans-2011'",
                "figure 'proactive-normative-documents-2011'",
                "ObservationUnique",
                "a figure is stated once",
            ),
        ),
        id="two-figures-with-identical-dimensions",
    ),
    pytest.param(
        Bad(
            replace_once(f"    offset: {PLANS_OFFSET}\n", f"    offset: {PLANS_OFFSET + 1}\n"),
            EXIT_ERROR,
            lambda text: line_of(text, f"offset: {PLANS_OFFSET + 1}"),
            (
                "field 'figures.proactive-plans-2011.offset'",
                f"does not have the quote at offset {PLANS_OFFSET + 1}",
                f"the quote occurs at offset {PLANS_OFFSET}",
            ),
        ),
        id="quote-not-at-its-offset",
    ),
    pytest.param(
        Bad(
            replace_once(f"    quote: {PLANS_QUOTE}\n", f"    quote: {MISQUOTE}\n"),
            EXIT_ERROR,
            lambda text: line_of(text, f"quote: {MISQUOTE}"),
            (
                "field 'figures.proactive-plans-2011.quote'",
                "the quote does not occur anywhere in the source",
                f"at offset {PLANS_OFFSET} the source has '{SOURCE[PLANS_OFFSET : PLANS_OFFSET + len(MISQUOTE)]}'",
                "copy the quote exactly",
            ),
        ),
        id="quote-not-in-the-source",
    ),
]


@pytest.fixture(scope="module")
def good_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The good data, built once; each test works on its own copy of this build."""
    build_dir = tmp_path_factory.mktemp("good") / "build"
    build(make_settings(data_dir=DATA, build_dir=build_dir))
    return build_dir


@pytest.fixture()
def build_dir(good_build: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "build"
    shutil.copytree(good_build, copy, symlinks=True)
    return copy


@pytest.fixture()
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The CLI with no settings from the environment or a publisher.toml in the working directory."""
    monkeypatch.chdir(tmp_path)
    names = ("PUBLISHER_BASE_IRI", "PUBLISHER_DATA_DIR", "PUBLISHER_BUILD_DIR", "PUBLISHER_CONFIG")
    yield CliRunner(env=dict.fromkeys(names))


def snapshot(build_dir: Path) -> dict[str, str]:
    """Every file and link of a build directory: its content hash or its target."""
    state = {}
    for root, dirs, files in os.walk(build_dir):
        for name in dirs + files:
            path = Path(root) / name
            key = str(path.relative_to(build_dir))
            if path.is_symlink():
                state[key] = "-> " + os.readlink(path)
            elif path.is_file():
                state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def run_build(runner: CliRunner, data: Path, build_dir: Path) -> Result:
    return runner.invoke(main, ["build", "--data", str(data), "--out", str(build_dir)])


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_and_the_store_is_unchanged(
    case: Bad, data_copy: Callable[..., Path], build_dir: Path, runner: CliRunner
) -> None:
    release = os.readlink(build_dir / CURRENT)
    manifest = (build_dir / CURRENT / "manifest.json").read_bytes()
    before = snapshot(build_dir)
    data = data_copy(case.edit)
    record = data / RECORD
    text = record.read_text(encoding="utf-8")

    result = run_build(runner, data, build_dir)

    assert result.exit_code == case.exit_code, result.output
    message = result.stderr
    assert f"{record}:{case.line(text)}:" in message, message
    for words in case.says:
        assert words in message, message
    assert os.readlink(build_dir / CURRENT) == release
    assert (build_dir / CURRENT / "manifest.json").read_bytes() == manifest
    assert snapshot(build_dir) == before


def test_the_good_copy_builds(data_copy: Callable[..., Path], build_dir: Path, runner: CliRunner) -> None:
    """The control: the same command on an unbroken copy publishes a new release."""
    release = os.readlink(build_dir / CURRENT)
    result = run_build(runner, data_copy(), build_dir)
    assert result.exit_code == 0, result.output
    assert os.readlink(build_dir / CURRENT) != release


@pytest.mark.parametrize(
    "edit, exit_code",
    [
        pytest.param(lambda text: text, 0, id="conforms"),
        pytest.param(NEGATIVE_COUNT, EXIT_VIOLATIONS, id="violation"),
        pytest.param(NON_NUMERIC_COUNT, EXIT_ERROR, id="unreadable-record"),
    ],
)
def test_validate_exit_codes(
    edit: Callable[[str], str], exit_code: int, data_copy: Callable[..., Path], runner: CliRunner
) -> None:
    data = data_copy(edit)
    result = runner.invoke(main, ["validate", "--data", str(data)])
    assert result.exit_code == exit_code, result.output
    record = str(data / RECORD)
    if exit_code == 0:
        assert f"{record}: conforms" in result.stdout
    else:
        assert record in result.output
