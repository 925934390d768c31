"""The made-up province of a synthetic corpus: its places, divisions and agencies, in the order of its hierarchy."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

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
    return list(hierarchy(seed, count).agencies)


def hierarchy(seed: int, count: int) -> Registry:
    """The province of `seed` down to its first `count` agencies: their divisions and the agencies themselves."""
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
