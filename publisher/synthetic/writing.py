"""What both report writers share: the text being written, a record's opening, the stock carried from year to year."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from publisher.synthetic.province import SyntheticAgency

#: What an agency publishes proactively, by category and by channel (the Jilin template counts them, the stock too).
CATEGORIES = ("normative-documents", "plans", "public-funds", "organisation", "work-news-and-other")
CHANNELS = ("website-column", "press-conference")


@dataclass
class Text:
    """A source text being written, and the quotes of the figures it states."""

    parts: list[str] = field(default_factory=list)
    length: int = 0

    def add(self, text: str) -> int:
        """Append text; return the offset (in characters) where it starts."""
        offset = self.length
        self.parts.append(text)
        self.length += len(text)
        return offset

    @property
    def text(self) -> str:
        return "".join(self.parts)


def yaml_string(value: str) -> str:
    """`value` as a quoted YAML string."""
    return json.dumps(value, ensure_ascii=False)


def record_head(
    title: str, agency: SyntheticAgency, year: int, slug: str, source_file: str, period_quote: str, period_offset: int
) -> str:
    """A record's opening: what it reports, its source, and its period with the quote that states it."""
    return (
        f"# {title} (synthetic: publisher.synthetic)\n"
        f"agency: {agency.id}\nyear: {year}\nformat: {slug}\n\n"
        f"source:\n  file: {source_file}\n  language: zh\n\n"
        f"period:\n  from: {year}-01-01\n  to: {year}-12-31\n"
        f"  quote: {yaml_string(period_quote)}\n  offset: {period_offset}\n\n"
    )


@dataclass
class Stock:
    """What an agency has published so far (the cumulative figures), carried from year to year."""

    categories: dict[str, int]
    channels: dict[str, int]
    timeliness: dict[str, int]
    reports: int = 0  # the agency's reports written before this one
    # the national formats' stocks, set by the first report of the era that states them
    carried: dict[str, int] | None = None  # requests carried over to next year, by applicant
    published: dict[str, int] | None = None  # rules and normative documents published in total (2019)
    in_force: dict[str, int] | None = None  # rules and normative documents in force (2021)
    matters: dict[str, int] | None = None  # items of the catalogue of matters (2019)
    prose: Prose | None = None  # how the agency writes its prose year after year (none: the template alone)


def split(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """`total` split into len(weights) non-negative parts that add up to it."""
    shares = [w * rng.uniform(0.5, 1.5) for w in weights]
    scale = sum(shares)
    parts = [int(total * s / scale) for s in shares]
    parts[-1] += total - sum(parts)
    return parts


#: A format's writer: (agency, parent, year, stock, rng, blank_rate, inconsistent) → (record, source, source file name).
ReportWriter = Callable[
    [SyntheticAgency, "SyntheticAgency | None", int, Stock, random.Random, float, bool], tuple[str, str, str]
]


# ---------------------------------------------------------------------------
# Prose: the paragraph on the year's work, written anew or copied from last year's
# ---------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_LEADS = _words("围绕 针对 结合 聚焦 按照 紧扣 立足 根据")
_TOPICS = _words(
    "优化营商环境 乡村振兴 疫情防控 安全生产 民生保障 生态环境保护 教育医疗 财政预决算 "
    "重大建设项目 政策文件解读 便民服务事项 公共资源配置 社会救助 食品药品安全 就业创业"
)
_ACTS = _words(
    "及时发布 集中梳理 动态更新 全面公开 分类整理 主动推送 逐条核对 专题发布 定期汇总 深入解读 规范发布 统筹推进"
)
_THINGS = _words(
    "相关政策文件 办事指南 工作动态 统计数据 会议纪要 通知公告 规划计划 公示名单 "
    "办理结果 解读材料 监督检查情况 专项资金使用情况 项目审批信息 人事任免信息 "
    "应急处置信息 收费目录清单 行政执法信息 建议提案办理情况 权责清单 惠民政策"
)
_MANNERS = _words(
    "方便群众查阅 回应社会关切 确保信息准确 接受社会监督 提升公开实效 做到应公开尽公开 "
    "畅通获取渠道 增强公开针对性 扩大知晓面 切实保障知情权"
)
_WAYS = _words(
    "通过门户网站 依托政务新媒体 借助政务服务大厅 利用公开栏 在新闻发布会上 "
    "通过政务微信公众号 在档案馆查阅点 经由便民服务站"
)


@dataclass
class Prose:
    """How an agency writes its paragraph on the year's work: a copier repeats most of last year's, others write anew.

    Drawn from its own random stream (the agency's figures draw from another, and stay the
    same whatever the prose): a copier (`copies`) repeats last year's sentences, changing
    one now and then, in 9 years of 10; a fresh writer, and a copier's first report, writes
    every sentence anew from phrases of the stock below.
    """

    rng: random.Random
    copies: bool
    last: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        r = self.rng
        return (
            f"{r.choice(_LEADS)}{r.choice(_TOPICS)}等重点领域，{r.choice(_WAYS)}{r.choice(_ACTS)}"
            f"{r.choice(_THINGS)}和{r.choice(_THINGS)}，{r.choice(_MANNERS)}。"
        )

    def paragraph(self) -> str:
        """This year's paragraph (remembered for next year's)."""
        r = self.rng
        if self.copies and self.last and r.random() < 0.9:
            sentences = list(self.last)
            if r.random() < 0.3:
                sentences[r.randrange(len(sentences))] = self.sentence()
        else:
            sentences = [self.sentence() for _ in range(r.randint(8, 12))]
        self.last = sentences
        return "".join(sentences)


def prose_of(seed: int, agency: str) -> Prose:
    """The prose habit of an agency of a corpus (a third of them copy last year's paragraph)."""
    rng = random.Random(f"{seed}:{agency}:prose")
    return Prose(rng, rng.random() < 0.35)
