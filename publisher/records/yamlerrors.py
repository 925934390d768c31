"""A YAML syntax error said plainly: the line that opened the construct left open, and what to do.

PyYAML reports where it gave up (its problem mark), which for an unclosed quote can be a
hundred lines further on, where the next quote character happens to be; its context
mark is where the construct it was reading began. The line given here is the line of
a quote that is opened and not closed on it, else the context mark's line, else the
problem mark's; the message names the construct and what to do, in English and Chinese.
"""

from __future__ import annotations

import re

import yaml

#: PyYAML's context → (what was left open, in English and Chinese; what to do, in English and Chinese).
CONSTRUCTS = {
    "while scanning a quoted scalar": (
        "the quoted text opened on this line is not closed",
        "本行开始的引号文本没有闭合",
        "close the quote, or leave the quotes out",
        "请闭合引号，或去掉引号",
    ),
    "while parsing a flow sequence": (
        "the list opened with [ on this line is not closed",
        "本行以 [ 开始的列表没有闭合",
        "close it with ] (items separated by commas)",
        "请用 ] 闭合（各项以逗号分隔）",
    ),
    "while parsing a flow mapping": (
        "the mapping opened with { on this line is not closed",
        "本行以 { 开始的映射没有闭合",
        "close it with } (entries separated by commas)",
        "请用 } 闭合（各项以逗号分隔）",
    ),
}
#: For any other error: where it is and what to check.
GENERAL = (
    "the fields starting on this line are not laid out as YAML",
    "从本行开始的字段不符合 YAML 格式",
    "check the indentation, and quote a value that holds ': ' or starts with a quote, [ or {",
    "请检查缩进；值中含有“: ”或以引号、[、{ 开头时，请把整个值放在引号内",
)


#: A quoted scalar closed on its line: "…" with backslash escapes, '…' with '' for a quote.
CLOSED = {'"': re.compile(r'"(?:[^"\\]|\\.)*"'), "'": re.compile(r"'(?:[^']|'')*'")}


def unclosed_quote(text: str, first: int, last: int) -> int | None:
    """The first line (0-based, from `first` to `last`) with a value whose quote is opened and not closed on it."""
    lines = text.splitlines()
    for number in range(first, min(last, len(lines) - 1) + 1):
        line = lines[number]
        if line.lstrip().startswith("#"):
            continue
        _, sep, value = line.partition(": ")
        value = (value if sep else line.lstrip().removeprefix("- ")).strip()
        if value[:1] in CLOSED and not CLOSED[value[0]].match(value):
            return number
    return None


def describe(text: str, exc: yaml.MarkedYAMLError) -> tuple[int | None, str]:
    """The line (1-based) to point at, and the message saying what is wrong there and what to do."""
    problem = exc.problem_mark.line if exc.problem_mark else None
    context = exc.context_mark.line if exc.context_mark else None
    start = context if context is not None else problem
    quote = unclosed_quote(text, start, problem) if start is not None and problem is not None else None
    if quote is not None and quote != problem:
        en, zh, do_en, do_zh = CONSTRUCTS["while scanning a quoted scalar"]
        line: int | None = quote
    else:
        en, zh, do_en, do_zh = CONSTRUCTS.get(exc.context or "", GENERAL)
        line = start
    if (en, zh, do_en, do_zh) == GENERAL:  # PyYAML's own words, where nothing plainer is known
        en = f"{en} (YAML: {exc.problem}{f', at line {problem + 1}' if problem not in (None, line) else ''})"
    elif problem is not None and problem != line:
        en, zh = f"{en} (it runs on to line {problem + 1})", f"{zh}（一直延续到第 {problem + 1} 行）"
    message = f"malformed YAML: {en}; {do_en}. / YAML 格式错误：{zh}；{do_zh}。"
    return (line + 1 if line is not None else None), message
