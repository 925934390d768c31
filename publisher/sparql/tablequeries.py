"""The national table queries: one template, written out as the seven .rq files of queries/.

The tables of the national formats (2019 and 2021) are read by the same query, which differs
only in the format, the table's scheme and the words of its header. The template below is the
one source of that query; each committed file is its rendering for one (format, table), so a
researcher still reads and copies each .rq alone. After changing the template or a table's
words, rewrite the files with

    python -m publisher.sparql.tablequeries

(tests/test_tablequeries.py fails while a file differs from its rendering). The queries of the
report's text (national-*-overview.rq, national-*-closing.rq) are a different query and are not
made here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

QUERIES_DIR = Path(__file__).parent / "queries"
REGENERATE = "python -m publisher.sparql.tablequeries"
PART_NUMERALS = "一二三四五六七八九十"

# `${name}` marks a value of the table query; SPARQL's own `$var` is not used in these queries.
TEMPLATE = Template("""\
# title@zh: ${title_zh}
# title@en: ${title_en}
# description@zh: ${lead_zh}每行一格（官方表格中的每一格，分组行只占一行、没有格）：\
行与栏目的标签和次序、数值（数量或金额）与单位、数据状态（留空的格为 blank，没有数值）、\
原文出处（表格单元格的 XPath 与文字，PDF 中另加页码，或正文引文）。\
全国年度报告格式（${edition_zh}，${format}）的第${part}部分。
# description@en: ${lead_en} One row per cell of the official table (a group row takes one row \
and has no cells): the labels and places of its row and column, the number (a count or an \
amount) and its unit, the cell status (a cell left blank has status blank and no number), and \
where the source states it (the XPath and text of a table cell, in a PDF with its page, or a quote). \
Part ${part} of the national format of ${edition_en} (${format}).
# format: ${format}
# table: ${format}/${scheme}
# order: ${order}
# param: agency agency 机关标识 | Agency identifier, e.g. example-town-government
# param: year year 报告年度 | Reporting year, e.g. 2021
PREFIX dis: <def/disclosure#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

SELECT ?agency ?year ?row ?row_zh ?row_en ?row_position ?depth ?group ?caption ?row_heading_zh ?row_heading_en
       ?column ?column_zh ?column_en ?column_position ?column_group ?column_group_zh ?column_group_en
       ?figure ?count ?amount ?unit_zh ?unit_en ?status ?quote ?location
WHERE {
  ?report a dis:AnnualReport ; dis:agency ?agency ; dis:reportYear ?year .
  ?row skos:inScheme <def/${format}/${scheme}> ; dis:position ?row_position ;
       skos:prefLabel ?row_zh , ?row_en .
  FILTER (lang(?row_zh) = "zh" && lang(?row_en) = "en")
  OPTIONAL { <def/${format}/${scheme}> dis:rowHeading ?row_heading_zh , ?row_heading_en .
             FILTER (lang(?row_heading_zh) = "zh" && lang(?row_heading_en) = "en") }
  { SELECT ?row (COUNT(?ancestor) AS ?depth) WHERE {
      ?row skos:inScheme <def/${format}/${scheme}> . OPTIONAL { ?row skos:broader+ ?ancestor } } GROUP BY ?row }
  BIND (NOT EXISTS { <def/${format}/item> skos:member ?row } AS ?group)
  BIND (EXISTS { ?row dis:hasColumn ?anyColumn } AS ?caption)
  OPTIONAL {
    # the cells of a row: the columns it (or a row above it, or its table) names; a group row has none.
    # The item rows of this table are named here, not only outside: an engine may evaluate an OPTIONAL
    # on its own (as a hash join), and then starts from them instead of from every node with a position.
    <def/${format}/item> skos:member ?row .
    ?row skos:inScheme <def/${format}/${scheme}> ; (skos:broader*|skos:inScheme)/dis:hasColumn ?column .
    ?column dis:position ?column_position ; skos:prefLabel ?column_zh , ?column_en .
    FILTER (lang(?column_zh) = "zh" && lang(?column_en) = "en")
    OPTIONAL {
      # the column's group and its labels. Written as one pattern and OPTIONALs of one pattern each,
      # made required by the FILTER on BOUND (the same answers as the three patterns joined): an
      # engine can then look the group up from each column at hand, rather than evaluating the
      # group once over every skos:broader link of the ontologies and joining it in.
      ?column skos:broader ?column_group
      OPTIONAL { ?column_group skos:prefLabel ?column_group_zh FILTER (lang(?column_group_zh) = "zh") }
      OPTIONAL { ?column_group skos:prefLabel ?column_group_en FILTER (lang(?column_group_en) = "en") }
      FILTER (BOUND(?column_group_zh) && BOUND(?column_group_en))
    }
  }
  OPTIONAL {
    # what the report says in the cell: a figure, or a cell left blank
    GRAPH ?report {
      ?figure dis:item ?row ; dis:column ?column ; dis:cellStatus ?statusCode .
      { ?figure qb:dataSet ?report } UNION { ?figure dis:cellOf ?report }
      OPTIONAL { ?figure dis:count ?count }
      OPTIONAL { ?figure dis:amount ?amount }
      OPTIONAL { ?figure dis:statedAt/oa:hasSelector/oa:exact ?quote }
      OPTIONAL { ?figure dis:statedAt/oa:hasSelector ?xpath . ?xpath a oa:XPathSelector ; rdf:value ?cell_path }
      # in a PDF, the XPath refines the cell's page: "page 3, (//table)[1]/…", as the record writes it
      OPTIONAL { ?figure dis:statedAt/oa:hasSelector ?page .
                 ?page oa:refinedBy/rdf:value ?page_path ; rdf:value ?page_number }
      BIND (COALESCE(?cell_path, CONCAT("page ", STRAFTER(?page_number, "page="), ", ", ?page_path)) AS ?location)
    }
    # the status's notation is the last step of its IRI (blank, stated); taken from the IRI, not joined, for speed
    BIND (REPLACE(STR(?statusCode), "^.*/", "") AS ?status)
    OPTIONAL {
      # a unit is a concept of the shared code list of units (an IRI outside it has no labels either);
      # naming the list lets an engine start from its few units rather than from every figure
      ?figure dis:unit ?unit . ?unit skos:inScheme <def/common/unit> ; skos:prefLabel ?unit_zh , ?unit_en .
      FILTER (lang(?unit_zh) = "zh" && lang(?unit_en) = "en")
    }
  }
}
ORDER BY ?row_position ?column_position
""")


@dataclass(frozen=True)
class Edition:
    """A national report format, as the queries' descriptions name it."""

    format: str
    edition_zh: str
    edition_en: str


@dataclass(frozen=True)
class Table:
    """A table of the national formats: its scheme (the last step of its IRI), its file name's
    last step, its part of the report, its title and the first sentence of its description."""

    scheme: str
    stem: str
    order: int
    title_zh: str
    title_en: str
    lead_zh: str
    lead_en: str


@dataclass(frozen=True)
class TableQuery:
    """The query of one table of one national format, written to queries/{format}-{stem}.rq."""

    edition: Edition
    table: Table

    @property
    def name(self) -> str:
        return f"{self.edition.format}-{self.table.stem}"

    def path(self, directory: Path = QUERIES_DIR) -> Path:
        return directory / f"{self.name}.rq"

    def text(self) -> str:
        """The query's .rq file, header and all, as the template renders it."""
        return TEMPLATE.substitute(
            format=self.edition.format,
            edition_zh=self.edition.edition_zh,
            edition_en=self.edition.edition_en,
            scheme=self.table.scheme,
            order=self.table.order,
            part=PART_NUMERALS[self.table.order - 1],
            title_zh=self.table.title_zh,
            title_en=self.table.title_en,
            lead_zh=self.table.lead_zh,
            lead_en=self.table.lead_en,
        )


NATIONAL_2019 = Edition("national-2019", edition_zh="2019年", edition_en="2019")
NATIONAL_2021 = Edition("national-2021", edition_zh="2021年修订", edition_en="2021")

PROACTIVE = Table(
    scheme="proactive",
    stem="proactive",
    order=2,
    title_zh="主动公开政府信息情况",
    title_en="Proactive disclosure of government information",
    lead_zh="表二：按条例第二十条各项，规章、规范性文件、行政许可、行政处罚等的数量。",
    lead_en="Table 二: rules, normative documents, licensing, penalties and the like, by item of Art. 20.",
)
REQUESTS = Table(
    scheme="request",
    stem="requests",
    order=3,
    title_zh="收到和处理政府信息公开申请情况",
    title_en="Disclosure requests received and handled",
    lead_zh="表三：申请人类型（7栏）×申请的收到、结转与办理结果。",
    lead_en="Table 三: kinds of applicant (7 columns) × requests received, carried over and their outcomes.",
)
REVIEW = Table(
    scheme="review",
    stem="review",
    order=4,
    title_zh="政府信息公开行政复议、行政诉讼情况",
    title_en="Reconsideration and litigation about disclosure",
    lead_zh="表四：行政复议与两类行政诉讼，各分结果维持、结果纠正、其他结果、尚未审结、总计。",
    lead_en=(
        "Table 四: reconsideration and the two kinds of litigation, "
        "each as upheld, corrected, other, pending and total."
    ),
)
FEES = Table(
    scheme="fee",
    stem="fees",
    order=6,
    title_zh="信息处理费",
    title_en="Information-processing fees",
    lead_zh="第六部分以文字报告的信息处理费：收费件数与金额。",
    lead_en="The information-processing fees that section 六 reports in prose: cases charged and the amount.",
)

TABLE_QUERIES: tuple[TableQuery, ...] = (
    TableQuery(NATIONAL_2019, PROACTIVE),
    TableQuery(NATIONAL_2019, REQUESTS),
    TableQuery(NATIONAL_2019, REVIEW),
    TableQuery(NATIONAL_2021, PROACTIVE),
    TableQuery(NATIONAL_2021, REQUESTS),
    TableQuery(NATIONAL_2021, REVIEW),
    TableQuery(NATIONAL_2021, FEES),
)


def write_queries(directory: Path = QUERIES_DIR) -> list[Path]:
    """Write each table query's file that differs from its rendering; the paths written."""
    written = []
    for query in TABLE_QUERIES:
        path = query.path(directory)
        data = query.text().encode("utf-8")
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
            written.append(path)
    return written


def main() -> None:
    """Rewrite the table queries' files from the template (`python -m publisher.sparql.tablequeries`)."""
    write_queries()


if __name__ == "__main__":
    main()
