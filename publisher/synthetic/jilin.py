"""The writer of reports before 2019: a prose report in the Jilin City 2011-era template (`{year}.source.txt`)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from publisher.synthetic.province import SyntheticAgency
from publisher.synthetic.writing import CATEGORIES, CHANNELS, Stock, Text, record_head, split, yaml_string

CATEGORY_ZH = {
    "all": "主动公开政府信息共{}条",
    "normative-documents": "规范性文件类信息{}条",
    "plans": "规划计划类信息{}条",
    "public-funds": "公共资金使用类信息{}条",
    "organisation": "机构类信息{}条",
    "work-news-and-other": "工作动态等其他信息{}条",
}
#: The figures of sections (二) and (三), stated for the year and in total: key, item, phrase.
_CHANNEL_FIGURES = (
    ("channel-website-column", "channel/website-column", "在信息公开专栏或信息公开网站发布信息{}条"),
    ("channel-press-conference", "channel/press-conference", "通过新闻发布会发布信息{}条"),
)
_TIMELINESS_FIGURES = (
    (
        "timeliness-online",
        "timeliness/online-within-20-working-days",
        "文件信息从生成到网上公开不超过20个工作日的数量为{}条",
    ),
    (
        "timeliness-reading-points",
        "timeliness/reading-points-within-30-working-days",
        "文件信息从生成到向公共查阅点报送不超过30个工作日的数量为{}条",
    ),
)


@dataclass
class _Record:
    figures: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)


class _Writer:
    """Writes one report's text and record side by side, so every quote is where the record says."""

    def __init__(self, rng: random.Random, blank_rate: float) -> None:
        self.rng = rng
        self.blank_rate = blank_rate
        self.text = Text()
        self.record = _Record()

    def say(self, text: str) -> None:
        self.text.add(text)

    def figure(self, key: str, item: str, period: str, value: int, phrase: str, blankable: bool = True) -> None:
        """State a figure with `phrase` ({} is the number); or, at the blank rate, leave it blank (未统计)."""
        if blankable and self.rng.random() < self.blank_rate:
            quote = phrase.replace("{}条", "").replace("{}件", "").replace("{}", "") + "未统计"
            offset = self.text.add(quote)
            self._entry(key, item, period, "blank: true", quote, offset)
            return
        quote = phrase.format(value)
        offset = self.text.add(quote)
        self._entry(key, item, period, f"value: {value}", quote, offset)

    def stated_zero(self, keys: Sequence[tuple[str, str, str]], sentence: str) -> None:
        """One sentence stating several figures are 0 (未发生…)."""
        offset = self.text.add(sentence)
        for key, item, period in keys:
            self._entry(key, item, period, "value: 0", sentence, offset)

    def _entry(self, key: str, item: str, period: str, value: str, quote: str, offset: int) -> None:
        assert key not in self.record.keys, key
        self.record.keys.add(key)
        self.record.figures.append(
            f"  {key}:\n    item: {item}\n    period: {period}\n    {value}\n"
            f"    quote: {yaml_string(quote)}\n    offset: {offset}\n"
        )

    def fact(self, key: str, about: tuple[str, str], value: int, unit: str, phrase: str, more_than: bool) -> None:
        quote = phrase.format(value)
        offset = self.text.add(quote)
        qualifier = "    qualifier: more-than\n" if more_than else ""
        self.record.facts.append(
            f"  {key}:\n    about: {{zh: {yaml_string(about[0])}, en: {yaml_string(about[1])}}}\n    value: {value}\n"
            f"    unit: {unit}\n{qualifier}    quote: {yaml_string(quote)}\n    offset: {offset}\n"
        )


@dataclass(frozen=True)
class _Proactive:
    """The year's proactive disclosure: the total stated, the figures by category, channel and timeliness."""

    stated_total: int
    categories: dict[str, int]
    channels: dict[str, int]
    timeliness: dict[str, int]


def jilin_report(
    agency: SyntheticAgency,
    parent: SyntheticAgency | None,
    year: int,
    stock: Stock,
    rng: random.Random,
    blank_rate: float,
    inconsistent: bool,
) -> tuple[str, str, str]:
    """The record (YAML text), source text and source file name of a report in the Jilin City 2011-era template."""
    w = _Writer(rng, blank_rate)
    period_quote, period_offset = _write_introduction(w, agency, parent, year)
    _write_basic_work(w, agency, stock)
    w.say("二、主动公开政府信息情况\n(一)公开数量和内容\n")
    proactive = _proactive_figures(agency, stock, rng, inconsistent)
    _write_proactive_counts(w, agency, year, proactive, stock)
    _write_channels_and_timeliness(w, agency, year, proactive, stock)
    _write_requests(w, agency, year)
    _write_closing(w, agency, year)
    source_file = f"{year}.source.txt"
    title = f"{agency.zh} {year}年政府信息公开工作年度报告"
    record = (
        record_head(title, agency, year, "jilin-city-2011", source_file, period_quote, period_offset)
        + "figures:\n"
        + "".join(w.record.figures)
        + "\nfacts:\n"
        + "".join(w.record.facts)
    )
    return record, w.text.text, source_file


def _write_introduction(
    w: _Writer, agency: SyntheticAgency, parent: SyntheticAgency | None, year: int
) -> tuple[str, int]:
    """The opening paragraph, up to section 一; the quote stating the report's period and its offset."""
    leader = parent.zh if parent is not None else "国务院办公厅"
    w.say(
        f"{year}年,{agency.zh}在{leader}和本级政务公开领导小组的领导下,认真贯彻《中华人民共和国政府信息公开条例》,"
        "不断加强组织领导,完善工作机制,积极推进政府信息公开工作。根据条例规定,现将本年度政府信息公开工作情况报告如下。"
        "本报告由基本工作情况、主动公开政府信息情况、依申请公开政府信息情况、行政复议和诉讼情况、收费和减免情况、"
        "存在问题和工作打算等六部分内容组成,"
    )
    period_quote = f"报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止"
    period_offset = w.text.add(period_quote)
    w.say("。\n一、基本工作情况\n")
    return period_quote, period_offset


def _write_basic_work(w: _Writer, agency: SyntheticAgency, stock: Stock) -> None:
    """Section 一: the staff trained and the funds invested, stated as facts; then the year's work in prose."""
    w.say(f"{agency.self_zh}成立了政务公开工作领导小组,明确了分管领导和工作机构,")
    trained = w.rng.randint(5, 60) * max(1, round(agency.size))
    w.fact(
        "staff-trained",
        ("参加政府信息公开业务培训的人员", "staff trained in disclosure work"),
        trained,
        "person",
        "组织业务培训{}人次",
        False,
    )
    w.say(",")
    invested = w.rng.randint(2, 80)
    w.fact(
        "website-investment",
        ("为政务公开网站建设投入的资金", "funds invested in the disclosure website"),
        invested,
        "ten-thousand-yuan",
        "投入资金{}余万元",
        True,
    )
    w.say(",进一步完善了政府信息公开网站和查阅点建设。")
    w.say((stock.prose.paragraph() if stock.prose is not None else "") + "\n")


def _proactive_figures(agency: SyntheticAgency, stock: Stock, rng: random.Random, inconsistent: bool) -> _Proactive:
    """Draw the year's proactive disclosure and add it to the stock; the stated total is off when `inconsistent`."""
    annual_total = max(3, int(rng.lognormvariate(4.5, 0.6) * agency.size))
    categories = dict(zip(CATEGORIES, split(rng, annual_total, (0.05, 0.05, 0.03, 0.02, 0.85)), strict=True))
    channels = dict(zip(CHANNELS, split(rng, annual_total, (0.97, 0.03)), strict=True))
    online = rng.randint(0, categories["normative-documents"] + categories["plans"])
    timeliness = {"online-within-20-working-days": online, "reading-points-within-30-working-days": online}
    for name, value in categories.items():
        stock.categories[name] += value
    for name, value in channels.items():
        stock.channels[name] += value
    for name, value in timeliness.items():
        stock.timeliness[name] += value
    stated_total = annual_total
    if inconsistent:  # the agency's own figures do not add up: a total off by a few
        stated_total = annual_total + rng.choice((-3, -2, -1, 1, 2, 5, 10))
    return _Proactive(stated_total, categories, channels, timeliness)


def _write_proactive_counts(
    w: _Writer, agency: SyntheticAgency, year: int, proactive: _Proactive, stock: Stock
) -> None:
    """Section 二 (一): the information published by category, in the year and in total."""
    me = agency.self_zh
    cumulative_total = sum(stock.categories.values())
    for period, total, values, lead in (
        ("annual", proactive.stated_total, proactive.categories, f"{year}年,{me}"),
        ("cumulative", cumulative_total, stock.categories, f"截止{year}年末,{me}"),
    ):
        suffix = str(year) if period == "annual" else "cumulative"
        w.say(lead)
        w.figure(f"proactive-total-{suffix}", "category/all", period, total, CATEGORY_ZH["all"], blankable=False)
        w.say(",其中,")
        for index, name in enumerate(CATEGORIES):
            w.figure(f"proactive-{name}-{suffix}", f"category/{name}", period, values[name], CATEGORY_ZH[name])
            w.say("。\n" if index == len(CATEGORIES) - 1 else ("、" if index == 0 else ","))


def _write_channels_and_timeliness(
    w: _Writer, agency: SyntheticAgency, year: int, proactive: _Proactive, stock: Stock
) -> None:
    """Sections 二 (二) and (三): the information published by channel, and how soon, in the year and in total."""
    me = agency.self_zh
    for heading, annual, cumulative, cumulative_lead, stated in (
        ("(二)公开的形式\n", proactive.channels, stock.channels, f"截至{year}年末,{me}", _CHANNEL_FIGURES),
        ("\n(三)公开的及时性\n", proactive.timeliness, stock.timeliness, f"截止{year}年末", _TIMELINESS_FIGURES),
    ):
        w.say(heading)
        for period, values, lead in (("annual", annual, f"{year}年,{me}"), ("cumulative", cumulative, cumulative_lead)):
            suffix = str(year) if period == "annual" else "cumulative"
            w.say(lead)
            for index, (key, item, phrase) in enumerate(stated):
                if index:
                    w.say(",")
                w.figure(f"{key}-{suffix}", item, period, values[item.split("/", 1)[1]], phrase)
            w.say("。")


def _write_requests(w: _Writer, agency: SyntheticAgency, year: int) -> None:
    """Section 三: the requests received in the year, or a sentence that there were none."""
    w.say("\n三、依申请公开政府信息情况\n")
    requests = int(w.rng.expovariate(1 / (4 * agency.size))) if w.rng.random() < 0.6 else 0
    if requests:
        w.say(f"{year}年,{agency.self_zh}")
        w.figure(f"requests-received-{year}", "request/received", "annual", requests, "收到政府信息公开申请{}件")
        w.say(",均已按规定答复。")
    else:
        w.stated_zero([(f"requests-received-{year}", "request/received", "annual")], "未收到任何形式的申请公开信息要求")
        w.say("。")


def _write_closing(w: _Writer, agency: SyntheticAgency, year: int) -> None:
    """Sections 四 to 六: no reconsiderations, lawsuits, fees or waivers so far, then the problems and plans."""
    me = agency.self_zh
    w.say("\n四、行政复议和诉讼情况\n")
    w.stated_zero(
        [
            ("reconsiderations-cumulative", "appeal/reconsideration", "cumulative"),
            ("lawsuits-cumulative", "appeal/litigation", "cumulative"),
        ],
        f"截止{year}年末,未发生与信息公开相关的行政复议和诉讼案件",
    )
    w.say("。\n五、收费和减免情况\n")
    w.stated_zero(
        [
            ("fees-charged-cumulative", "fee/charged", "cumulative"),
            ("fees-waived-cumulative", "fee/waived", "cumulative"),
        ],
        f"截止{year}年末,未发生与信息公开相关的收费和减免情况",
    )
    w.say(
        "。\n六、存在问题和工作打算\n"
        f"{me}政府信息公开工作虽然取得了一些成绩,但与群众的期望相比还有一定差距。下一步,{me}将不断完善公开制度,"
        "拓展公开内容,创新公开形式,强化公开监督。"
    )
