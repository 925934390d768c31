"""Fees stated in prose in reports under the 2019 Regulation: mapped to the format's fee figure, or listed.

The format's own text patterns (importers/prose.py) read the fee wordings that name
the information-processing fee (收取信息处理费共计200元, 未收取信息处理费). Reports
also word it generically: 收取费用0元, 收费金额为1.2万元, 未收取任何费用. Such a
clause is mapped to the fee figure of the format (layout.FeeLayout) only when it
cannot be another fee:

- its sentence, or its paragraph, or the heading line just above that, names the
  information-processing fee (信息处理费); or its sentence is about disclosure
  requests (申请): under Art. 42 the information-processing fee is the only fee a
  request may be charged;
- and its sentence names no other fee (行政事业性收费, which table 二 of the 2021
  format reports, or the costs of the 2008 Regulation: 检索、复制、邮寄、工本费).

An amount with its unit (元, 万元) gives the fee's amount; "no fee charged" (未收取
任何费用, 无收取信息处理费情况) gives 0 cases charged, as the format's own pattern for 未收取信息处理费
does. Anything else is listed for the reviewer with its reason, never guessed: a
fee that may be another, a rule rather than a fact (不收取任何费用: not charged as
a matter of course), a figure the text already gives, and any fee at all in a
report whose format has no fee figure (the 2019 format).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from publisher.importers.layout import Layout
from publisher.importers.prose import QuotedFigure, clause_start, codes_once, number_value, sentences
from publisher.importers.tables import Unmapped

# An amount charged: a charging verb, the fee, then the amount with its unit.
AMOUNT = re.compile(
    r"(?:收取(?:了)?(?:各类|任何|相关)?(?:政府信息公开)?(?:信息处理)?费用?|收费(?:金额|总额|总金额)?)"
    r"(?:共计|合计|总计|共|为|是|达)*\s*[:：]?\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>万元|元)"
)
# No fee charged this year (尚未收取, not yet collected, is not that); 无收取信息处理费情况 (there was
# no charging of the fee) says the same with 无.
NONE = re.compile(
    r"(?:(?<![尚暂])未|没有|并未|均未|从未|(?<![尚暂])无)(?:向申请人)?(?:收取|收缴|收)(?:过)?(?:任何|相关)?(?:信息处理)?费用?"
)
# Not charged as a rule (a statement of practice, not of what happened): listed, not mapped.
RULE = re.compile(r"不(?:收取|收)(?:任何)?(?:信息处理)?费用?")
INFORMATION_FEE = "信息处理费"
REQUESTS = "申请"
OTHER_FEES = re.compile(r"行政事业性收费|检索|复制|邮寄|工本费|成本费|打印费")
HEADING_CHARS = 40  # a line this short that does not end a sentence is read as a heading


@dataclass(frozen=True)
class FeeFigure(QuotedFigure):
    """A fee the text states, mapped to the format's fee figure."""


@dataclass
class FeeResult:
    figures: list[FeeFigure] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # every fee clause read, mapped or listed


def find_fees(
    text: str,
    layout: Layout,
    skip: Sequence[tuple[int, int]] = (),
    given: Mapping[tuple[tuple[str, str], ...], int] | None = None,
    locate: Callable[[int], str] | None = None,
) -> FeeResult:
    """The fees `text` states outside the spans in `skip` (its tables, the figures already read).

    `given` maps the codes of figures already read from the text to their offsets, so
    that no figure is imported twice. Nothing is read for a format from before the
    2019 Regulation (layout.fees is None).
    """
    result = FeeResult()
    fees = layout.fees
    if fees is None:
        return result
    where = locate or (lambda offset: f"offset {offset}")
    seen = dict(given or {})
    # what the format's own text patterns match (收取信息处理费共计200元 …) is theirs
    theirs = [m.span() for pattern in layout.patterns for m in pattern.regex.finditer(text)]
    for sentence in sentences(text):
        if any(a <= sentence[0] < b for a, b in skip):
            continue
        found = [
            (match, kind)
            for kind, regex in (("amount", AMOUNT), ("none", NONE), ("rule", RULE))
            for match in regex.finditer(text, sentence[0], sentence[1])
            if not any(a < match.end() and match.start() < b for a, b in theirs)
        ]
        found.sort(key=lambda pair: pair[0].start())
        for match, kind in found:
            start = clause_start(text, sentence, match.start())
            quote = text[start : match.end()]
            result.spans.append((start, match.end()))
            problem = _problem(text, sentence, kind, layout)
            if problem is not None:
                result.unmapped.append(Unmapped(where(start), quote, problem))
                continue
            assert fees.row is not None
            column = fees.amount if kind == "amount" else fees.cases
            if column is None:
                reason = f"{layout.slug} has no column for this in {fees.row.label_zh}: add it as a fact if it is one"
                result.unmapped.append(Unmapped(where(start), quote, reason))
                continue
            concepts = (fees.row, column)
            codes, again = codes_once(concepts, seen, start)
            if again:
                result.unmapped.append(Unmapped(where(start), quote, again))
                continue
            if kind == "amount":
                unit = layout.units.get(match["unit"])
                value = number_value(match["value"])
                result.figures.append(FeeFigure(codes, value, unit.code if unit else None, quote, start, concepts))
            else:
                result.figures.append(FeeFigure(codes, 0, None, quote, start, concepts))
    return result


def _problem(text: str, sentence: tuple[int, int], kind: str, layout: Layout) -> str | None:
    """Why a fee clause of this sentence is not mapped, or None when it is the information-processing fee."""
    words = text[sentence[0] : sentence[1]]
    if kind == "rule":
        return "says fees are not charged (不收取) as a rule, not what was charged this year: not mapped"
    other = OTHER_FEES.search(words)
    if other is not None:
        return (
            f"names {other.group(0)}, not the information-processing fee: not a figure of {layout.slug} "
            "(a restatement of table 二 or a fact, if anything)"
        )
    if not (INFORMATION_FEE in words or REQUESTS in words or INFORMATION_FEE in _context(text, sentence[0])):
        return (
            "a fee that the text does not say is the information-processing fee of requests "
            "(信息处理费, 申请): not mapped, nothing guessed"
        )
    assert layout.fees is not None
    if layout.fees.row is None:
        return (
            f"{layout.slug} has no figure for the information-processing fee (the 2021 format added one): "
            "add it as a fact if it is one"
        )
    return None


def _context(text: str, at: int) -> str:
    """The paragraph (line) holding `at`, and the line above it if that line is a heading."""
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    paragraph = text[line_start : line_end if line_end >= 0 else len(text)]
    if line_start == 0:
        return paragraph
    previous_start = text.rfind("\n", 0, line_start - 1) + 1
    previous = text[previous_start : line_start - 1].strip()
    heading = previous if len(previous) <= HEADING_CHARS and not previous.endswith(("。", "！", "？")) else ""
    return heading + "\n" + paragraph
