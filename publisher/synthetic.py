"""A synthetic corpus for measuring the publisher at scale: agencies, records and source texts.

Deterministic for a seed: agency N of a corpus is the same whatever the size, and
its reports are the same whatever the other agencies (each agency draws from its
own random stream, seeded with the corpus seed and its identifier).

    province government and its departments (厅, 委员会)
      └ cities: a government, its departments (局), its counties
          └ counties: a government, its departments, its townships (镇, 乡)

Every agency reports for every year of `years`, each year in the format of its era
(`ERAS`). Figures obey the format's rules — parts add up to totals, cumulative
figures carry over from the year before and are at least the year's — except
where the generator breaks one on purpose (`inconsistency_rate`: one total of the
report is off); `blank_rate` is the share of figures the source leaves blank
(written 未统计, recorded `blank: true`). The output is ordinary data: an
`agencies.yaml` and `reports/{agency}/{year}.yaml` with a `{year}.source.txt`
beside it whose quotes are at the offsets the record gives, so building it runs
the real pipeline.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The format of each reporting year (first year of the era → format slug).
ERAS: tuple[tuple[int, str], ...] = ((2008, "jilin-city-2011"),)
DEFAULT_YEARS = range(2008, 2026)
PROVINCE_CODE = "91"  # not a GB/T 2260 province: the places are made up

_SYLLABLES = (
    ("青", "qing"),
    ("河", "he"),
    ("东", "dong"),
    ("阳", "yang"),
    ("南", "nan"),
    ("山", "shan"),
    ("平", "ping"),
    ("安", "an"),
    ("长", "chang"),
    ("宁", "ning"),
    ("西", "xi"),
    ("林", "lin"),
    ("泉", "quan"),
    ("江", "jiang"),
    ("北", "bei"),
    ("华", "hua"),
    ("兴", "xing"),
    ("丰", "feng"),
    ("白", "bai"),
    ("石", "shi"),
    ("云", "yun"),
    ("桥", "qiao"),
    ("新", "xin"),
    ("德", "de"),
    ("松", "song"),
    ("金", "jin"),
    ("海", "hai"),
    ("明", "ming"),
    ("永", "yong"),
    ("川", "chuan"),
)

#: Departments: (zh stem, en name, identifier), named 厅 in the province and 局 below it.
_DEPARTMENTS = (
    ("发展和改革委员会", "Development and Reform Commission", "development-reform-commission"),
    ("教育{}", "Education {}", "education"),
    ("科学技术{}", "Science and Technology {}", "science-technology"),
    ("工业和信息化{}", "Industry and Information Technology {}", "industry-it"),
    ("公安{}", "Public Security {}", "public-security"),
    ("民政{}", "Civil Affairs {}", "civil-affairs"),
    ("司法{}", "Justice {}", "justice"),
    ("财政{}", "Finance {}", "finance"),
    ("人力资源和社会保障{}", "Human Resources and Social Security {}", "human-resources"),
    ("自然资源{}", "Natural Resources {}", "natural-resources"),
    ("生态环境{}", "Ecology and Environment {}", "ecology-environment"),
    ("住房和城乡建设{}", "Housing and Urban-Rural Development {}", "housing"),
    ("交通运输{}", "Transport {}", "transport"),
    ("水利{}", "Water Resources {}", "water-resources"),
    ("农业农村{}", "Agriculture and Rural Affairs {}", "agriculture"),
    ("商务{}", "Commerce {}", "commerce"),
    ("文化和旅游{}", "Culture and Tourism {}", "culture-tourism"),
    ("卫生健康委员会", "Health Commission", "health-commission"),
    ("退役军人事务{}", "Veterans Affairs {}", "veterans-affairs"),
    ("应急管理{}", "Emergency Management {}", "emergency-management"),
    ("审计{}", "Audit {}", "audit"),
    ("市场监督管理{}", "Market Regulation {}", "market-regulation"),
    ("统计{}", "Statistics {}", "statistics"),
    ("医疗保障{}", "Healthcare Security {}", "healthcare-security"),
    ("林业{}", "Forestry {}", "forestry"),
    ("体育{}", "Sport {}", "sport"),
    ("信访{}", "Petitions {}", "petitions"),
    ("城市管理{}", "Urban Management {}", "urban-management"),
    ("粮食和物资储备{}", "Grain and Reserves {}", "grain-reserves"),
    ("地方金融监督管理{}", "Local Financial Regulation {}", "financial-regulation"),
)
CITIES_PER_PROVINCE = 12
COUNTIES_PER_CITY = 8
DEPARTMENTS = {"province": 30, "city": 26, "county": 20}
TOWNSHIPS_PER_COUNTY = 10


@dataclass(frozen=True)
class SyntheticAgency:
    id: str
    zh: str
    en: str
    division: str
    kind: str  # government or department
    parent: str | None
    self_zh: str  # how the report names its author: 我局, 我委, 我市, 我镇 …
    size: float  # scales its figures


@dataclass
class Registry:
    divisions: dict[str, tuple[str, str]] = field(default_factory=dict)
    agencies: list[SyntheticAgency] = field(default_factory=list)


def _place(rng: random.Random, used: set[str]) -> tuple[str, str]:
    while True:
        first, second = rng.sample(_SYLLABLES, 2)
        zh, en = first[0] + second[0], (first[1] + second[1]).capitalize()
        if zh not in used:
            used.add(zh)
            return zh, en


def agencies(count: int, seed: int = 2011) -> list[SyntheticAgency]:
    """The first `count` agencies of the province of `seed`, in the order of its hierarchy."""
    return list(_hierarchy(seed, count).agencies)


def _hierarchy(seed: int, count: int) -> Registry:
    rng = random.Random(f"{seed}:places")
    used: set[str] = set()
    registry = Registry()
    province_zh, province_en = _place(rng, used)
    province_division = f"{PROVINCE_CODE}0000"
    registry.divisions[province_division] = (f"{province_zh}省", f"{province_en} Province")

    def government(slug: str, zh: str, en: str, division: str, parent: str | None, self_zh: str, size: float) -> str:
        registry.agencies.append(SyntheticAgency(slug, zh, en, division, "government", parent, self_zh, size))
        return slug

    def departments(prefix: str, place_zh: str, place_en: str, level: str, division: str, parent: str) -> None:
        office_zh, office_en = ("厅", "Department") if level == "province" else ("局", "Bureau")
        for stem_zh, stem_en, slug in _DEPARTMENTS[: DEPARTMENTS[level]]:
            zh = place_zh + stem_zh.format(office_zh)
            en = f"{place_en} {stem_en.format(office_en)}"
            self_zh = "我委" if stem_zh.endswith("委员会") else f"我{office_zh}"
            size = {"province": 3.0, "city": 1.5, "county": 0.7}[level]
            registry.agencies.append(
                SyntheticAgency(f"{prefix}-{slug}", zh, en, division, "department", parent, self_zh, size)
            )

    def enough() -> bool:
        return len(registry.agencies) >= count

    top = government(
        f"{province_en.lower()}-province-government",
        f"{province_zh}省人民政府",
        f"{province_en} Provincial People's Government",
        province_division,
        None,
        "我省",
        6.0,
    )
    departments(
        f"{province_en.lower()}-province",
        f"{province_zh}省",
        f"{province_en} Provincial",
        "province",
        province_division,
        top,
    )
    for city_number in range(1, 100):
        if enough():
            break
        city_zh, city_en = _place(rng, used)
        city_division = f"{PROVINCE_CODE}{city_number:02d}00"
        registry.divisions[city_division] = (f"{province_zh}省{city_zh}市", f"{city_en} City, {province_en} Province")
        city_slug = f"{city_en.lower()}-city"
        city = government(
            f"{city_slug}-government",
            f"{city_zh}市人民政府",
            f"{city_en} Municipal People's Government",
            city_division,
            top,
            "我市",
            3.0,
        )
        departments(city_slug, f"{city_zh}市", f"{city_en} Municipal", "city", city_division, city)
        for county_number in range(1, COUNTIES_PER_CITY + 1):
            if enough():
                break
            county_zh, county_en = _place(rng, used)
            county_division = f"{PROVINCE_CODE}{city_number:02d}{county_number + 20:02d}"
            registry.divisions[county_division] = (
                f"{province_zh}省{city_zh}市{county_zh}县",
                f"{county_en} County, {city_en} City, {province_en} Province",
            )
            county_slug = f"{county_en.lower()}-county"
            county = government(
                f"{county_slug}-government",
                f"{county_zh}县人民政府",
                f"{county_en} County People's Government",
                county_division,
                city,
                "我县",
                1.2,
            )
            departments(county_slug, f"{county_zh}县", f"{county_en} County", "county", county_division, county)
            for _ in range(TOWNSHIPS_PER_COUNTY):
                town_zh, town_en = _place(rng, used)
                town, kind_en = ("镇", "Town") if rng.random() < 0.6 else ("乡", "Township")
                government(
                    f"{county_slug}-{town_en.lower()}-{kind_en.lower()}",
                    f"{county_zh}县{town_zh}{town}人民政府",
                    f"{town_en} {kind_en} People's Government, {county_en} County",
                    county_division,
                    county,
                    f"我{town}",
                    0.4,
                )
    registry.agencies = registry.agencies[:count]
    return registry


# ---------------------------------------------------------------------------
# One report: figures that obey the rules, a source text that states them
# ---------------------------------------------------------------------------

CATEGORIES = ("normative-documents", "plans", "public-funds", "organisation", "work-news-and-other")
CATEGORY_ZH = {
    "all": "主动公开政府信息共{}条",
    "normative-documents": "规范性文件类信息{}条",
    "plans": "规划计划类信息{}条",
    "public-funds": "公共资金使用类信息{}条",
    "organisation": "机构类信息{}条",
    "work-news-and-other": "工作动态等其他信息{}条",
}
CHANNELS = ("website-column", "press-conference")


@dataclass
class _Text:
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


@dataclass
class _Record:
    figures: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Writer:
    """Writes one report's text and record side by side, so every quote is where the record says."""

    def __init__(self, rng: random.Random, blank_rate: float) -> None:
        self.rng = rng
        self.blank_rate = blank_rate
        self.text = _Text()
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
            f"    quote: {_q(quote)}\n    offset: {offset}\n"
        )

    def fact(self, key: str, about: tuple[str, str], value: int, unit: str, phrase: str, more_than: bool) -> None:
        quote = phrase.format(value)
        offset = self.text.add(quote)
        qualifier = "    qualifier: more-than\n" if more_than else ""
        self.record.facts.append(
            f"  {key}:\n    about: {{zh: {_q(about[0])}, en: {_q(about[1])}}}\n    value: {value}\n"
            f"    unit: {unit}\n{qualifier}    quote: {_q(quote)}\n    offset: {offset}\n"
        )


@dataclass
class _Stock:
    """What an agency has published so far (the cumulative figures), carried from year to year."""

    categories: dict[str, int]
    channels: dict[str, int]
    timeliness: dict[str, int]


def _split(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """`total` split into len(weights) non-negative parts that add up to it."""
    shares = [w * rng.uniform(0.5, 1.5) for w in weights]
    scale = sum(shares)
    parts = [int(total * s / scale) for s in shares]
    parts[-1] += total - sum(parts)
    return parts


def _jilin_report(
    agency: SyntheticAgency,
    parent: SyntheticAgency | None,
    year: int,
    stock: _Stock,
    rng: random.Random,
    blank_rate: float,
    inconsistent: bool,
) -> tuple[str, str]:
    """The record (YAML text) and source text of a report in the Jilin City 2011-era template."""
    w = _Writer(rng, blank_rate)
    me = agency.self_zh
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
    w.say(f"{me}成立了政务公开工作领导小组,明确了分管领导和工作机构,")
    trained = rng.randint(5, 60) * max(1, round(agency.size))
    w.fact(
        "staff-trained",
        ("参加政府信息公开业务培训的人员", "staff trained in disclosure work"),
        trained,
        "person",
        "组织业务培训{}人次",
        False,
    )
    w.say(",")
    invested = rng.randint(2, 80)
    w.fact(
        "website-investment",
        ("为政务公开网站建设投入的资金", "funds invested in the disclosure website"),
        invested,
        "ten-thousand-yuan",
        "投入资金{}余万元",
        True,
    )
    w.say(",进一步完善了政府信息公开网站和查阅点建设。\n二、主动公开政府信息情况\n(一)公开数量和内容\n")

    annual_total = max(3, int(rng.lognormvariate(4.5, 0.6) * agency.size))
    categories = dict(zip(CATEGORIES, _split(rng, annual_total, (0.05, 0.05, 0.03, 0.02, 0.85)), strict=True))
    channels = dict(zip(CHANNELS, _split(rng, annual_total, (0.97, 0.03)), strict=True))
    online = rng.randint(0, categories["normative-documents"] + categories["plans"])
    timeliness = {"online-within-20-working-days": online, "reading-points-within-30-working-days": online}
    for name, value in categories.items():
        stock.categories[name] += value
    for name, value in channels.items():
        stock.channels[name] += value
    for name, value in timeliness.items():
        stock.timeliness[name] += value
    cumulative_total = sum(stock.categories.values())
    stated_total = annual_total
    if inconsistent:  # the agency's own figures do not add up: a total off by a few
        stated_total = annual_total + rng.choice((-3, -2, -1, 1, 2, 5, 10))

    for period, total, values, lead in (
        ("annual", stated_total, categories, f"{year}年,{me}"),
        ("cumulative", cumulative_total, stock.categories, f"截止{year}年末,{me}"),
    ):
        suffix = str(year) if period == "annual" else "cumulative"
        w.say(lead)
        w.figure(f"proactive-total-{suffix}", "category/all", period, total, CATEGORY_ZH["all"], blankable=False)
        w.say(",其中,")
        for index, name in enumerate(CATEGORIES):
            w.figure(f"proactive-{name}-{suffix}", f"category/{name}", period, values[name], CATEGORY_ZH[name])
            w.say("。\n" if index == len(CATEGORIES) - 1 else ("、" if index == 0 else ","))
    w.say("(二)公开的形式\n")
    for period, values, lead in (
        ("annual", channels, f"{year}年,{me}"),
        ("cumulative", stock.channels, f"截至{year}年末,{me}"),
    ):
        suffix = str(year) if period == "annual" else "cumulative"
        w.say(lead)
        w.figure(
            f"channel-website-column-{suffix}",
            "channel/website-column",
            period,
            values["website-column"],
            "在信息公开专栏或信息公开网站发布信息{}条",
        )
        w.say(",")
        w.figure(
            f"channel-press-conference-{suffix}",
            "channel/press-conference",
            period,
            values["press-conference"],
            "通过新闻发布会发布信息{}条",
        )
        w.say("。")
    w.say("\n(三)公开的及时性\n")
    for period, values, lead in (
        ("annual", timeliness, f"{year}年,{me}"),
        ("cumulative", stock.timeliness, f"截止{year}年末"),
    ):
        suffix = str(year) if period == "annual" else "cumulative"
        w.say(lead)
        w.figure(
            f"timeliness-online-{suffix}",
            "timeliness/online-within-20-working-days",
            period,
            values["online-within-20-working-days"],
            "文件信息从生成到网上公开不超过20个工作日的数量为{}条",
        )
        w.say(",")
        w.figure(
            f"timeliness-reading-points-{suffix}",
            "timeliness/reading-points-within-30-working-days",
            period,
            values["reading-points-within-30-working-days"],
            "文件信息从生成到向公共查阅点报送不超过30个工作日的数量为{}条",
        )
        w.say("。")
    w.say("\n三、依申请公开政府信息情况\n")
    requests = int(rng.expovariate(1 / (4 * agency.size))) if rng.random() < 0.6 else 0
    if requests:
        w.say(f"{year}年,{me}")
        w.figure(f"requests-received-{year}", "request/received", "annual", requests, "收到政府信息公开申请{}件")
        w.say(",均已按规定答复。")
    else:
        w.stated_zero([(f"requests-received-{year}", "request/received", "annual")], "未收到任何形式的申请公开信息要求")
        w.say("。")
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
    record = (
        f"# {agency.zh} {year}年政府信息公开工作年度报告 (synthetic: publisher.synthetic)\n"
        f"agency: {agency.id}\nyear: {year}\nformat: jilin-city-2011\n\n"
        f"source:\n  file: {year}.source.txt\n  language: zh\n\n"
        f"period:\n  from: {year}-01-01\n  to: {year}-12-31\n  quote: {_q(period_quote)}\n  offset: {period_offset}\n\n"
        "figures:\n" + "".join(w.record.figures) + "\nfacts:\n" + "".join(w.record.facts)
    )
    return record, w.text.text


ReportWriter = Callable[
    [SyntheticAgency, "SyntheticAgency | None", int, _Stock, random.Random, float, bool], tuple[str, str]
]
WRITERS: dict[str, ReportWriter] = {"jilin-city-2011": _jilin_report}


def format_of(year: int) -> str:
    """The format of a reporting year's reports (the era it falls in)."""
    found = ERAS[0][1]
    for first, slug in ERAS:
        if year >= first:
            found = slug
    return found


@dataclass(frozen=True)
class Report:
    agency: str
    year: int
    format: str
    record: str
    source: str


def reports(
    agency: SyntheticAgency,
    parent: SyntheticAgency | None,
    years: Sequence[int],
    seed: int = 2011,
    blank_rate: float = 0.02,
    inconsistency_rate: float = 0.05,
) -> Iterator[Report]:
    """An agency's reports, year by year (the cumulative figures of a year carry over to the next)."""
    rng = random.Random(f"{seed}:{agency.id}")
    start = rng.randint(20, 400) * max(1, round(agency.size))
    stock = _Stock(
        categories=dict(zip(CATEGORIES, _split(rng, start, (0.05, 0.05, 0.03, 0.02, 0.85)), strict=True)),
        channels={},
        timeliness={"online-within-20-working-days": 0, "reading-points-within-30-working-days": 0},
    )
    stock.channels = dict(zip(CHANNELS, (start, 0), strict=True))
    for year in years:
        slug = format_of(year)
        inconsistent = rng.random() < inconsistency_rate
        record, source = WRITERS[slug](agency, parent, year, stock, rng, blank_rate, inconsistent)
        yield Report(agency.id, year, slug, record, source)


def registry_yaml(chosen: Sequence[SyntheticAgency], divisions: dict[str, tuple[str, str]]) -> str:
    lines = [
        "# Agency registry of a synthetic corpus (publisher.synthetic): the places are made up.",
        "divisions:",
    ]
    used = {a.division for a in chosen}
    for code in sorted(used):
        zh, en = divisions[code]
        lines.append(f'  "{code}":\n    name: {{zh: {_q(zh)}, en: {_q(en)}}}')
    lines.append("\nagencies:")
    for agency in chosen:
        parent = f"\n    parent: {agency.parent}" if agency.parent else ""
        lines.append(
            f"  {agency.id}:\n    name: {{zh: {_q(agency.zh)}, en: {_q(agency.en)}}}{parent}\n"
            f'    division: "{agency.division}"\n    kind: {agency.kind}'
        )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Summary:
    agencies: int
    reports: int
    directory: Path


def generate(
    target: Path,
    agency_count: int,
    *,
    years: Sequence[int] = DEFAULT_YEARS,
    seed: int = 2011,
    blank_rate: float = 0.02,
    inconsistency_rate: float = 0.05,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Write a corpus of `agency_count` agencies × `years` into `target` (a data folder: agencies.yaml, reports/)."""
    registry = _hierarchy(seed, agency_count)
    by_id = {a.id: a for a in registry.agencies}
    target.mkdir(parents=True, exist_ok=True)
    (target / "agencies.yaml").write_text(registry_yaml(registry.agencies, registry.divisions), encoding="utf-8")
    count = 0
    for agency in registry.agencies:
        folder = target / "reports" / agency.id
        folder.mkdir(parents=True, exist_ok=True)
        parent = by_id.get(agency.parent) if agency.parent else None
        for report in reports(agency, parent, years, seed, blank_rate, inconsistency_rate):
            (folder / f"{report.year}.yaml").write_text(report.record, encoding="utf-8")
            (folder / f"{report.year}.source.txt").write_text(report.source, encoding="utf-8")
            count += 1
            if progress is not None:
                progress(count)
    return Summary(len(registry.agencies), count, target)
