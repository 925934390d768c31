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
    province = _Province(seed, count)
    top = province.government_and_departments()
    for city_number in range(1, 100):
        if province.enough():
            break
        province.city(city_number, top)
    registry = province.registry
    registry.agencies = registry.agencies[:count]
    return registry


class _Province:
    """A province being laid out from its seed, government by government, until it has `count` agencies."""

    def __init__(self, seed: int, count: int) -> None:
        self.rng = random.Random(f"{seed}:places")
        self.used: set[str] = set()
        self.count = count
        self.registry = Registry()
        self.zh, self.en = _place(self.rng, self.used)

    def enough(self) -> bool:
        return len(self.registry.agencies) >= self.count

    def government(
        self, slug: str, zh: str, en: str, division: str, parent: str | None, self_zh: str, size: float
    ) -> str:
        """Add a people's government; its identifier."""
        self.registry.agencies.append(SyntheticAgency(slug, zh, en, division, "government", parent, self_zh, size))
        return slug

    def departments(self, prefix: str, place_zh: str, place_en: str, level: str, division: str, parent: str) -> None:
        """Add the departments of a government of `level` (province, city or county)."""
        office_zh, office_en = ("厅", "Department") if level == "province" else ("局", "Bureau")
        for stem_zh, stem_en, slug in _DEPARTMENTS[: DEPARTMENTS[level]]:
            zh = place_zh + stem_zh.format(office_zh)
            en = f"{place_en} {stem_en.format(office_en)}"
            self_zh = "我委" if stem_zh.endswith("委员会") else f"我{office_zh}"
            size = {"province": 3.0, "city": 1.5, "county": 0.7}[level]
            self.registry.agencies.append(
                SyntheticAgency(f"{prefix}-{slug}", zh, en, division, "department", parent, self_zh, size)
            )

    def government_and_departments(self) -> str:
        """Add the province's division, its government and its departments; the government's identifier."""
        division = f"{PROVINCE_CODE}0000"
        self.registry.divisions[division] = (f"{self.zh}省", f"{self.en} Province")
        top = self.government(
            f"{self.en.lower()}-province-government",
            f"{self.zh}省人民政府",
            f"{self.en} Provincial People's Government",
            division,
            None,
            "我省",
            6.0,
        )
        self.departments(
            f"{self.en.lower()}-province", f"{self.zh}省", f"{self.en} Provincial", "province", division, top
        )
        return top

    def city(self, number: int, top: str) -> None:
        """Add city `number`: its division, government and departments, then its counties while more are wanted."""
        city_zh, city_en = _place(self.rng, self.used)
        division = f"{PROVINCE_CODE}{number:02d}00"
        self.registry.divisions[division] = (f"{self.zh}省{city_zh}市", f"{city_en} City, {self.en} Province")
        city_slug = f"{city_en.lower()}-city"
        city = self.government(
            f"{city_slug}-government",
            f"{city_zh}市人民政府",
            f"{city_en} Municipal People's Government",
            division,
            top,
            "我市",
            3.0,
        )
        self.departments(city_slug, f"{city_zh}市", f"{city_en} Municipal", "city", division, city)
        for county_number in range(1, COUNTIES_PER_CITY + 1):
            if self.enough():
                break
            self.county(number, county_number, (city_zh, city_en), city)

    def county(self, city_number: int, number: int, city_names: tuple[str, str], city: str) -> None:
        """Add county `number` of a city: its division, government, departments and townships."""
        city_zh, city_en = city_names
        county_zh, county_en = _place(self.rng, self.used)
        division = f"{PROVINCE_CODE}{city_number:02d}{number + 20:02d}"
        self.registry.divisions[division] = (
            f"{self.zh}省{city_zh}市{county_zh}县",
            f"{county_en} County, {city_en} City, {self.en} Province",
        )
        county_slug = f"{county_en.lower()}-county"
        county = self.government(
            f"{county_slug}-government",
            f"{county_zh}县人民政府",
            f"{county_en} County People's Government",
            division,
            city,
            "我县",
            1.2,
        )
        self.departments(county_slug, f"{county_zh}县", f"{county_en} County", "county", division, county)
        for _ in range(TOWNSHIPS_PER_COUNTY):
            town_zh, town_en = _place(self.rng, self.used)
            town, kind_en = ("镇", "Town") if self.rng.random() < 0.6 else ("乡", "Township")
            self.government(
                f"{county_slug}-{town_en.lower()}-{kind_en.lower()}",
                f"{county_zh}县{town_zh}{town}人民政府",
                f"{town_en} {kind_en} People's Government, {county_en} County",
                division,
                county,
                f"我{town}",
                0.4,
            )
