"""Numbers of a report's text that are not quantities: dates, phone numbers, document and article numbers, ordinals.

Each kind is one pattern; a number lying wholly inside a span a pattern matches is
counted under that kind (in the import's "not listed" note) and is never offered to a
person as a figure or a fact. The kinds say when (years, dates), where (addresses,
postal codes, phone numbers, e-mail and web addresses), which (document numbers such as
〔2019〕60号 or 国令第 711 号, article numbers such as 第二十条第（五）项, ordinals such as
第一名, anniversaries such as 70 周年, hotline numbers such as 110) or what comes next
(section numbers such as 一、, list enumerators such as 1. and （3））, never how many.

>>> kinds_at("本报告统计期限从2019年1月1日到12月31日止", 8, 12)
['years']
>>> kinds_at("电话：0591-23165250", 3, 16)
['phone numbers']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

CN = "零〇一二两三四五六七八九十百千"

NOT_FIGURES: Mapping[str, re.Pattern[str]] = {
    "document numbers": re.compile(
        r"[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d+\s*号"
        r"|第\s*\d+\s*号|(?<=令)\s*\d+\s*号"
    ),
    "years": re.compile(
        r"(?<!\d)(?:19|20)\d{2}(?=\s*(?:年|学年|[-—－~～至到]\s*(?:19|20)\d{2}))"
        r"|(?<=[-—－~～至到])\s*(?:19|20)\d{2}(?!\d)(?=\s*(?:年|学年|[)）]))"
        r"|[〇○零一二三四五六七八九]{4}(?=\s*年)"
    ),
    "dates": re.compile(r"(?<![\d.])\d{1,2}(?:\s*[-—－~～]\s*\d{1,2})?\s*(?=[月日号](?![\u4e00-\u9fff]*[路街道]))"),
    "phone numbers": re.compile(r"(?<!\d)(?:\(?0\d{2,3}\)?\s*[-—－]?\s*)?\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)"),
    "postal codes": re.compile(r"(?<=邮编)[:：\s]*\d{6}|(?<=邮政编码)[:：\s]*\d{6}"),
    "addresses": re.compile(r"(?<=地址)[:：][^，,；;。）)]*"),
    "e-mail and web addresses": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)[\w./?=&%-]+"),
    "article numbers": re.compile(rf"第\s*[{CN}\d]+\s*[条款项章节](?:\s*第?\s*[（(]\s*[{CN}\d]+\s*[）)]\s*项)?"),
    "ordinals": re.compile(
        rf"第\s*[{CN}\d]+(?:\s*(?:名|位|批|届|次|期|个|季度|轮|阶段|时间|部分|把手))?"
        rf"|(?<![{CN}\d])[{CN}]+(?=届|大(?![类项])|中全会)"
    ),
    "attachment numbers": re.compile(r"(?<=附件)\s*\d+|(?<=附表)\s*\d+"),
    "anniversaries": re.compile(r"\d+\s*(?=周年)"),
    "hotline numbers": re.compile(
        r"(?<!\d)(?:110|119|120|122|12345|12315|12333|12366|12369|12388)(?!\d)"
        r"(?=\s*(?:宣传日|热线|报警|电话|急救|服务|平台|指挥|便民|专线))|(?<=拨打)\s*\d{3,5}(?!\d)"
    ),
    "section numbers": re.compile(rf"^\s*[{CN}]+\s*[、.．]|[（(]\s*[{CN}]+\s*[）)]", re.MULTILINE),
    "list numbers": re.compile(r"[（(]\s*\d{1,2}\s*[)）]|(?<![\d.])\d{1,2}\s*(?=[.、．](?!\d))"),
}


def non_figure_spans(text: str) -> dict[str, list[tuple[int, int]]]:
    """Every span of `text` that each kind of non-figure matches, by kind."""
    return {name: [m.span() for m in pattern.finditer(text)] for name, pattern in NOT_FIGURES.items()}


def kind_of(start: int, end: int, spans: Mapping[str, Sequence[tuple[int, int]]]) -> str | None:
    """The kind of non-figure the number at `start`–`end` is part of, else None."""
    return next((name for name, found in spans.items() if any(a <= start and end <= b for a, b in found)), None)


def kinds_at(text: str, start: int, end: int) -> list[str]:
    """Every kind of non-figure whose pattern covers `start`–`end` of `text` (for tests and review)."""
    return [name for name, found in non_figure_spans(text).items() if any(a <= start and end <= b for a, b in found)]
