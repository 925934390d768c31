"""The national formats' code lists hold every row and column of DOMAIN.md §2.2–2.5, for both versions.

The expected tables below are typed from DOMAIN.md (the row and column labels as it
prints them, its notes on group rows and on what changed in 2021), not from the
ontology. The ontology is read with rdflib, by SKOS: a table is a concept scheme of
rows, a row's cells are in the columns it (or a row above it, or its table) names with
dis:hasColumn, and a group row is not among the format's items (it has no cells).

A doubt for the product owner: DOMAIN.md §2.4 says table 三 has "25 data rows (2019) /
27 (2021) × 7 = 175 / 189 cells", but its own row table lists 23 rows with cells in
2019 (25 in 2021) besides 4 (5) group rows: 27 (30) rows in all. The code lists follow
the row table, row by row; the cell counts asserted here are those of the row table.
"""

from __future__ import annotations

from functools import cache

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from publisher.graph.formats import load_ontology_documents, union
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import DCTERMS, RDF, SKOS, vocabulary
from publisher.settings import ONTOLOGY_DIR
from tests.helpers import BASE

DIS = vocabulary(BASE)
GROUP = "group"  # a row printed in the table without cells of its own

# ---------------------------------------------------------------------------
# Typed from DOMAIN.md §2.3 (table 二): part (caption) → rows, columns
# ---------------------------------------------------------------------------

PROACTIVE = {
    "2019": [
        ("第二十条第（一）项", ["规章", "规范性文件"], ["本年新制作数量", "本年新公开数量", "对外公开总数量"]),
        ("第二十条第（五）项", ["行政许可", "其他对外管理服务事项"], ["上一年项目数量", "本年增/减", "处理决定数量"]),
        ("第二十条第（六）项", ["行政处罚", "行政强制"], ["上一年项目数量", "本年增/减", "处理决定数量"]),
        ("第二十条第（八）项", ["行政事业性收费"], ["上一年项目数量", "本年增/减"]),
        ("第二十条第（九）项", ["政府集中采购"], ["采购项目数量", "采购总金额"]),
    ],
    "2021": [
        ("第二十条第（一）项", ["规章", "行政规范性文件"], ["本年制发件数", "本年废止件数", "现行有效件数"]),
        ("第二十条第（五）项", ["行政许可"], ["本年处理决定数量"]),
        ("第二十条第（六）项", ["行政处罚", "行政强制"], ["本年处理决定数量"]),
        ("第二十条第（八）项", ["行政事业性收费"], ["本年收费金额（单位：万元）"]),
    ],
}

# ---------------------------------------------------------------------------
# Typed from DOMAIN.md §2.4 (table 三): rows in order, group rows marked; the 2021-only rows
# ---------------------------------------------------------------------------

REQUEST_ROWS = [
    ("一、本年新收政府信息公开申请数量", None),
    ("二、上年结转政府信息公开申请数量", None),
    ("三、本年度办理结果", GROUP),
    ("（一）予以公开", None),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None),
    ("（三）不予公开", GROUP),
    ("1.属于国家秘密", None),
    ("2.其他法律行政法规禁止公开", None),
    ("3.危及“三安全一稳定”", None),
    ("4.保护第三方合法权益", None),
    ("5.属于三类内部事务信息", None),
    ("6.属于四类过程性信息", None),
    ("7.属于行政执法案卷", None),
    ("8.属于行政查询事项", None),
    ("（四）无法提供", GROUP),
    ("1.本机关不掌握相关政府信息", None),
    ("2.没有现成信息需要另行制作", None),
    ("3.补正后申请内容仍不明确", None),
    ("（五）不予处理", GROUP),
    ("1.信访举报投诉类申请", None),
    ("2.重复申请", None),
    ("3.要求提供公开出版物", None),
    ("4.无正当理由大量反复申请", None),
    ("5.要求行政机关确认或重新出具已获取信息", None),
    ("（六）其他处理", "2019: one data row. 2021: group label with three sub-rows"),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "2021 only"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "2021 only"),
    ("3.其他", "2021 only"),
    ("（七）总计", None),
    ("四、结转下年度继续办理", None),
]
APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
APPLICANT_GROUP = ("法人或其他组织", ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"])


def request_rows(version: str) -> list[tuple[str, bool]]:
    """(label, is a group row) in order, for one version, from the typed table."""
    rows = []
    for label, note in REQUEST_ROWS:
        if note == "2021 only" and version == "2019":
            continue
        group = note == GROUP or (note is not None and note.startswith("2019:") and version == "2021")
        rows.append((label, group))
    return rows


# ---------------------------------------------------------------------------
# Typed from DOMAIN.md §2.5 (table 四) and §2.2 (the six sections)
# ---------------------------------------------------------------------------

REVIEW_BLOCKS = [("行政复议", None), ("行政诉讼", GROUP), ("未经复议直接起诉", "行政诉讼"), ("复议后起诉", "行政诉讼")]
REVIEW_RESULTS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
SECTIONS = [
    ("一、总体情况", True),
    ("二、主动公开政府信息情况", False),
    ("三、收到和处理政府信息公开申请情况", False),
    ("四、政府信息公开行政复议、行政诉讼情况", False),
    ("五、存在的主要问题及改进情况", True),
    ("六、其他需要报告的事项", True),
]
# Articles of the Regulation DOMAIN.md §1.2 and §2.4 tie to rows.
LEGAL_BASIS = {
    "1.属于国家秘密": "第十四条",
    "3.危及“三安全一稳定”": "第十四条",
    "4.保护第三方合法权益": "第十五条",
    "5.属于三类内部事务信息": "第十六条第一款",
    "7.属于行政执法案卷": "第十六条第二款",
    "8.属于行政查询事项": "第三十六条第（七）项",
    "2.没有现成信息需要另行制作": "第三十八条",
    "3.补正后申请内容仍不明确": "第三十条",
    "1.信访举报投诉类申请": "第三十九条",
    "2.重复申请": "第三十六条第（六）项",
    "4.无正当理由大量反复申请": "第三十五条",
    "规章": "第二十条第（一）项",
    "行政许可": "第二十条第（五）项",
    "行政事业性收费": "第二十条第（八）项",
}
LEGAL_BASIS_2021_ONLY = {"2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请": "第四十二条"}
LEGAL_BASIS_2019_ONLY = {"政府集中采购": "第二十条第（九）项"}


# ---------------------------------------------------------------------------
# Reading the ontology by SKOS
# ---------------------------------------------------------------------------


@cache
def ontology() -> Graph:
    return union(load_ontology_documents(ONTOLOGY_DIR, Iris(BASE)).values())


def zh(node: Node, predicate: URIRef = SKOS.prefLabel, lang: str = "zh") -> str:
    values = [str(o) for o in ontology().objects(node, predicate) if isinstance(o, Literal) and o.language == lang]
    assert len(values) == 1, (node, predicate, values)
    return values[0]


def fmt(version: str) -> URIRef:
    return URIRef(f"{BASE}/def/national-{version}")


def items(version: str) -> set[Node]:
    g = ontology()
    return set(g.objects(URIRef(f"{fmt(version)}/item"), SKOS.member))


def rows_of(version: str, table: str) -> list[URIRef]:
    g = ontology()
    scheme = URIRef(f"{fmt(version)}/{table}")
    rows = [r for r in g.subjects(SKOS.inScheme, scheme) if isinstance(r, URIRef)]
    return sorted(rows, key=lambda r: int(str(g.value(r, DIS.position))))


def columns_of(row: URIRef) -> list[str]:
    """The labels of the columns a row has cells in, by position."""
    g = ontology()
    holders = [row, *g.transitive_objects(row, SKOS.broader), *g.objects(row, SKOS.inScheme)]
    columns = {c for h in holders for c in g.objects(h, DIS.hasColumn)}
    return [zh(c) for c in sorted(columns, key=lambda c: int(str(g.value(c, DIS.position))))]


VERSIONS = ["2019", "2021"]


@pytest.mark.parametrize("version", VERSIONS)
def test_table_2_has_every_part_row_and_column(version: str) -> None:
    found = []
    caption = None
    for row in rows_of(version, "proactive"):
        if row not in items(version):
            caption = (zh(row), [], columns_of(row))
            found.append(caption)
        else:
            assert caption is not None, row
            caption[1].append(zh(row))
            assert columns_of(row) == caption[2], row
    assert [(c, r, cols) for c, r, cols in found] == PROACTIVE[version]


@pytest.mark.parametrize("version", VERSIONS)
def test_table_3_has_every_row_in_order_with_its_groups(version: str) -> None:
    rows = rows_of(version, "request")
    found = [(zh(r), r not in items(version)) for r in rows]
    assert found == request_rows(version)
    data_rows = [r for r in rows if r in items(version)]
    assert len(data_rows) == (23 if version == "2019" else 25)  # see the doubt in the module docstring
    for row in data_rows:
        assert columns_of(row) == APPLICANTS, zh(row)
    cells = sum(len(columns_of(r)) for r in data_rows)
    assert cells == (161 if version == "2019" else 175)


@pytest.mark.parametrize("version", VERSIONS)
def test_table_3_groups_the_organisations_under_one_heading_without_cells(version: str) -> None:
    g = ontology()
    [group] = [
        c
        for c in g.subjects(SKOS.prefLabel, Literal(APPLICANT_GROUP[0], lang="zh"))
        if str(c).startswith(str(fmt(version)))
    ]
    assert sorted(zh(c) for c in g.objects(group, SKOS.narrower)) == sorted(APPLICANT_GROUP[1])
    assert group not in set(g.objects(URIRef(f"{fmt(version)}/column"), SKOS.member))


@pytest.mark.parametrize("version", VERSIONS)
def test_table_4_has_three_blocks_of_five_results(version: str) -> None:
    g = ontology()
    rows = rows_of(version, "review")
    found = []
    for row in rows:
        broader = g.value(row, SKOS.broader)
        kind = GROUP if row not in items(version) else (zh(broader) if broader is not None else None)
        found.append((zh(row), kind))
    assert found == REVIEW_BLOCKS
    for row in rows:
        if row in items(version):
            assert columns_of(row) == REVIEW_RESULTS


@pytest.mark.parametrize("version", VERSIONS)
def test_the_six_sections_and_which_are_prose(version: str) -> None:
    g = ontology()
    scheme = g.value(fmt(version), DIS.sections)
    sections = sorted(g.subjects(SKOS.inScheme, scheme), key=lambda s: int(str(g.value(s, DIS.position))))
    found = [(zh(s), (s, DIS.prose, Literal(True)) in g) for s in sections]
    assert found == SECTIONS


@pytest.mark.parametrize("version", VERSIONS)
def test_rows_name_the_article_they_come_from(version: str) -> None:
    g = ontology()
    expected = LEGAL_BASIS | (LEGAL_BASIS_2021_ONLY if version == "2021" else LEGAL_BASIS_2019_ONLY)
    labels = {zh(r): r for table in ("proactive", "request") for r in rows_of(version, table)}
    for label, article in expected.items():
        [basis] = g.objects(labels[label], DIS.legalBasis)
        assert zh(basis) == article, label


@pytest.mark.parametrize("version", VERSIONS)
def test_every_row_column_and_table_has_an_english_label_too(version: str) -> None:
    g = ontology()
    schemes = {s for s in g.subjects(RDF.type, SKOS.ConceptScheme) if str(s).startswith(f"{fmt(version)}/")}
    assert len(schemes) >= 7
    for scheme in schemes:
        assert zh(scheme, lang="en")
        for concept in g.subjects(SKOS.inScheme, scheme):
            assert zh(concept) and zh(concept, lang="en"), concept


def test_the_formats_name_their_instruments_and_versions() -> None:
    g = ontology()
    assert str(g.value(fmt("2019"), DCTERMS.source)) == "国办公开办函〔2019〕60号"
    assert str(g.value(fmt("2021"), DCTERMS.source)) == "国办公开办函〔2021〕30号"
    assert (fmt("2021"), DCTERMS.replaces, fmt("2019")) in g
    assert (fmt("2019"), DCTERMS.isReplacedBy, fmt("2021")) in g


def test_units_signs_and_money_as_domain_md_says() -> None:
    g = ontology()
    by_label = {
        zh(c): c for c in g.subjects(RDF.type, SKOS.Concept) if str(c).startswith(f"{fmt('2019')}/proactive-column")
    }
    assert (by_label["本年增/减"], DIS.signed, Literal(True)) in g  # a signed change may be negative
    assert g.value(by_label["采购总金额"], DIS.measuredBy) == DIS.amount  # unit not fixed: "251000元"
    assert g.value(by_label["采购总金额"], DIS.defaultUnit) is None
    fees = URIRef(f"{fmt('2021')}/proactive-column/fees-collected")
    assert g.value(fees, DIS.measuredBy) == DIS.amount
    assert g.value(fees, DIS.defaultUnit) == URIRef(f"{BASE}/def/common/unit/ten-thousand-yuan")
    signed = {c for c in g.subjects(DIS.signed, Literal(True))}
    assert signed == {by_label["本年增/减"]}
