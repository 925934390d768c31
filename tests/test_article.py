"""The report's article is found inside real saved web pages, without the site's menus and footer.

The five Pingtan pages of ../shared/real-reports/ are whole pages as the site serves them.
Every expectation below was typed from reading the pages themselves: the title in their
ArticleTitle meta, the opening words of each report, one row of each of its tables (cells
separated by tabs, as the text rendition writes a row), the class of the element the
report's body sits in, and strings of the site's chrome (menu items, the article header's
source line, the QR-code prompt, the footer's site code, ICP licence and organiser) that
must lie outside the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.errors import SourceError
from publisher.records.article import Article, check_year, find_article, title_year
from publisher.records.htmldoc import Document
from tests.helpers import REAL_REPORTS

#: Chrome of the Pingtan site template, typed from the pages (header menus, article header, footer).
CHROME = [
    "政策文件库",  # top menu
    "互动交流知识库",  # top menu
    "当前位置：",  # breadcrumb
    "相关链接：",  # related links box
    "扫一扫在手机上查看当前页面",  # QR-code box
    "福州市政府网站",  # friendly links
    "网站标识码：3590000001",  # footer
    "闽ICP备09032658号",  # footer: ICP licence
    "主办单位：福建省平潭综合实验区管理委员会办公室",  # footer
    "为确保最佳浏览效果",  # footer
]


@dataclass(frozen=True)
class Page:
    year: int
    title: str
    element_class: str  # class attribute of the element holding the report's body
    opening: str  # the article starts with this
    phrase: str  # a phrase of the report's opening sentence
    closing: str  # the article ends with this
    source_line: str  # the article header's 来源/时间 line: chrome, outside the article
    rows: tuple[str, ...]  # one row of each of the page's tables, in order


PAGES = [
    Page(
        2011,
        "平潭综合实验区2011年政府信息公开工作年度报告",
        "article_content article_content_01 font_family_cn",
        "本报告主要根据《中华人民共和国政府信息公开条例》",
        "现公布2011年度政府信息公开年度报告",
        "行政申诉数\t条\t0\t0",
        "来源：平潭综合实验区管委会办公室 时间：2012-04-11 00:00",
        ("主动公开信息数\t条\t425\t1516",),
    ),
    Page(
        2016,
        "平潭综合实验区2016年度政府信息公开工作年度报告",
        "TRS_Editor",
        "平潭综合实验区\n2016年度政府信息公开工作年度报告\n根据《中华人民共和国政府信息公开条例》",
        "我区管委会办公室编制完成了本报告",
        "行政诉讼数\t件\t0\t0",
        "来源：平潭县人民政府 时间：2017-01-18 15:57",
        ("主动公开文件数\t条\t3460\t85376",),
    ),
    Page(
        2019,
        "平潭综合实验区2019年度政府信息公开工作年度报告",
        "TRS_Editor",
        "平潭综合实验区2019年\n政府信息公开工作年度报告\n根据《中华人民共和国政府信息公开条例》",
        "区管委会办公室编制完成了本报告",
        "六、其他需要报告的事项\n无其他需要报告的事项",
        "来源：平潭县人民政府 时间：2020-01-20 15:22",
        (
            "规范性文件\t89\t89\t89",
            "一、本年新收政府信息公开申请数量\t23\t0\t0\t0\t0\t0\t23",
            "结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t复议后起诉",
        ),
    ),
    Page(
        2021,
        "平潭综合实验区2021年度政府信息公开工作年度报告",
        "article_content article_content_01 font_family_cn",
        "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）、《福建省人民政府办公厅关于编制公布2021年",
        "我区编制完成了本报告",
        "2021年，无收取信息处理费情况。",
        "来源：平潭县人民政府 时间：2022-02-08 16:34",
        (
            "行政规范性文件\t69\t3\t665",
            "一、本年新收政府信息公开申请数量\t64\t0\t0\t2\t0\t4\t70",
            "1\t0\t2\t0\t3\t12\t0\t0\t0\t12\t0\t0\t0\t0\t0",
        ),
    ),
    Page(
        2024,
        "平潭综合实验区2024年度政府信息公开工作年度报告",
        "TRS_Editor",
        "本报告根据《中华人民共和国政府信息公开条例》（国务院令第711号）",
        "等文件要求编制",
        "2024年，无收取信息处理费情况。",
        "来源：平潭综合实验区管委会办公室 时间：2025-03-10 15:35",
        (
            "行政规范性文件\t62\t33\t440",
            "一、本年新收政府信息公开申请数量\t217\t1\t0\t0\t0\t0\t218",
            "2\t1\t3\t1\t7\t0\t0\t0\t0\t0\t13\t2\t4\t0\t19",
        ),
    ),
]


def page_path(year: int) -> Path:
    return REAL_REPORTS / f"pingtan-{year}" / "page.html"


@pytest.fixture(scope="module", params=PAGES, ids=lambda page: str(page.year))
def found(request: pytest.FixtureRequest) -> tuple[Page, Document, Article]:
    page: Page = request.param
    path = page_path(page.year)
    document = Document(path.read_text(encoding="utf-8"))
    return page, document, find_article(document, path)


def test_the_title_is_the_reports(found: tuple[Page, Document, Article]) -> None:
    page, _, article = found
    assert article.title == page.title
    assert article.year == page.year


def test_the_article_is_the_element_holding_the_report_body(found: tuple[Page, Document, Article]) -> None:
    page, document, article = found
    assert document.resolve(article.location) is article.element
    assert article.element.attrs.get("class") == page.element_class
    assert (article.start, article.end) == document.span(article.element)
    assert article.text == document.text[article.start : article.end]


def test_the_article_is_the_report_from_its_opening_to_its_end(found: tuple[Page, Document, Article]) -> None:
    page, _, article = found
    assert article.text.startswith(page.opening)
    assert page.phrase in article.text
    assert article.text.endswith(page.closing)


def test_every_table_of_the_report_is_in_the_article(found: tuple[Page, Document, Article]) -> None:
    page, document, article = found
    tables = document.tables()
    assert len(tables) == len(page.rows)  # the site template itself has no table
    for table, row in zip(tables, page.rows, strict=True):
        start, end = document.span(table)
        assert article.contains(start, end)
        assert row in document.text[start:end]
        assert row in article.text


def test_the_site_chrome_is_outside_the_article(found: tuple[Page, Document, Article]) -> None:
    page, document, article = found
    for chrome in [*CHROME, page.source_line]:
        places = [m.start() for m in re.finditer(re.escape(chrome), document.text)]
        assert places, f"{chrome!r} should be on the {page.year} page"
        for place in places:
            assert not article.contains(place, place + len(chrome)), chrome
        assert chrome not in article.text
    # The page's title line (breadcrumb end and article heading) is outside too: the report's text only.
    assert article.start > document.text.index(page.source_line)


def test_the_title_is_read_from_the_article_heading_when_the_head_has_none() -> None:
    markup = page_path(2019).read_text(encoding="utf-8")
    markup = re.sub(r"<title>.*?</title>", "", markup, flags=re.DOTALL)
    markup = re.sub(r'<meta name="ArticleTitle"[^>]*>', "", markup)
    markup = markup.replace("平潭综合实验区2019年度政府信息公开工作年度报告", "")  # the heading above the article
    article = find_article(Document(markup), "page.html")
    # The report's own heading, broken over two lines in the article (without 度 after 2019年).
    assert article.title == "平潭综合实验区2019年政府信息公开工作年度报告"
    assert article.year == 2019


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("平潭综合实验区2019年度政府信息公开工作年度报告", 2019),
        ("平潭综合实验区2011年政府信息公开工作年度报告", 2011),
        ("二〇一九年政府信息公开工作年度报告", 2019),
        ("某县人民政府二○二一年度政府信息公开工作年度报告", 2021),
        ("２０２１年度政府信息公开工作年度报告", 2021),
        ("某局2019年度政府信息公开工作年度报告（2020年3月更正）", 2019),
        ("关于发布2020年政府信息公开工作年度报告的通知", 2020),
        ("政府信息公开工作年度报告", None),
        ("第20190号文件政府信息公开工作年度报告", None),
        ("一一一一年政府信息公开工作年度报告", None),
    ],
)
def test_the_year_a_title_states(title: str, year: int | None) -> None:
    assert title_year(title) == year


def test_a_report_of_another_year_is_refused(found: tuple[Page, Document, Article]) -> None:
    page, _, article = found
    check_year(article, page.year, "page.html")  # the year the title states: accepted
    with pytest.raises(SourceError) as caught:
        check_year(article, page.year + 1, "page.html")
    assert "page.html" in str(caught.value)
    assert f"for {page.year}, not {page.year + 1}" in str(caught.value)


CHROME_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}_要闻_平潭综合实验区党工委管委会</title></head>
<body>
<div class="header"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwgk/zfxxgk/zfxxgknb/">政府信息公开年报</a></li></ul></div>
<div class="main"><div class="article_title">{title}</div>
<div class="article_content">{body}</div></div>
<div class="footer"><p>网站标识码：3590000001 闽ICP备09032658号</p>
<p>主办单位：福建省平潭综合实验区管理委员会办公室 联系电话：0591-23165250</p></div>
</body></html>
"""

NEWS = (
    "<p>3月15日，平潭综合实验区召开政务公开工作推进会，部署今年政府信息公开重点工作，"
    "要求各部门按照《中华人民共和国政府信息公开条例》做好主动公开和依申请公开工作，"
    "提高公开质量，回应社会关切，推进政府信息公开平台建设和政务新媒体管理。</p>"
    "<p>会议通报了去年全区政府信息公开工作情况，并对下一步工作作出安排。</p>"
)


def test_a_page_without_a_report_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "news.html"
    path.write_text(CHROME_PAGE.format(title="平潭召开政务公开工作推进会", body=NEWS), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        find_article(Document(path.read_text(encoding="utf-8")), path)
    assert caught.value.file == str(path)
    assert str(path) in str(caught.value)
    assert "政府信息公开工作年度报告" in str(caught.value)


def test_a_page_whose_report_is_an_attachment_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "attachment.html"
    body = '<p>附件：<a href="/u/2019nb.pdf">平潭综合实验区2019年政府信息公开工作年度报告.pdf</a></p>'
    path.write_text(CHROME_PAGE.format(title="平潭综合实验区2019年政府信息公开工作年度报告", body=body))
    with pytest.raises(SourceError) as caught:
        find_article(Document(path.read_text(encoding="utf-8")), path)
    assert caught.value.file == str(path)
    assert "attachment" in str(caught.value)


REPORT = (
    "<p>根据《中华人民共和国政府信息公开条例》要求，本局编制了2019年政府信息公开工作年度报告。"
    "本报告所列数据的统计期限自2019年1月1日起至2019年12月31日止。全年主动公开政府信息120条，"
    "收到政府信息公开申请5件，均已按时答复。</p>"
    "<p>一、总体情况</p><p>本局认真贯彻落实《条例》，完善工作机制，规范操作流程，深化公开内容。</p>"
    "<table><tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>"
    "<tr><td>规范性文件</td><td>3</td><td>3</td><td>12</td></tr></table>"
    "<p>二、存在的主要问题及改进情况</p><p>公开内容还不够全面，解读形式还不够丰富，将进一步加以改进。</p>"
)


def test_an_article_in_a_layout_table_is_the_cell_that_holds_it() -> None:
    markup = (
        "<html><head><title>某县统计局2019年政府信息公开工作年度报告</title></head><body>"
        '<table width="980"><tr><td colspan="2"><a href="/">网站首页</a> <a href="/xxgk/">信息公开</a></td></tr>'
        '<tr><td width="200"><a href="/a">机构职能</a><br><a href="/b">政策法规</a><br><a href="/c">统计数据</a></td>'
        f"<td>{REPORT}</td></tr>"
        '<tr><td colspan="2">版权所有：某县统计局 备案号：苏ICP备12345678号 地址：人民路1号</td></tr></table>'
        "</body></html>"
    )
    document = Document(markup)
    article = find_article(document, "layout.html")
    assert article.location == "(//table)[1]/descendant::tr[2]/*[2]"
    assert article.title == "某县统计局2019年政府信息公开工作年度报告"
    assert article.text.startswith("根据《中华人民共和国政府信息公开条例》要求")
    assert article.text.endswith("将进一步加以改进。")
    assert "规范性文件\t3\t3\t12" in article.text
    for chrome in ("网站首页", "机构职能", "苏ICP备12345678号", "人民路1号"):
        assert chrome in document.text
        assert chrome not in article.text


def test_a_report_split_over_two_blocks_keeps_its_tables() -> None:
    """A block holding most of the prose is not the article when the report's table is beside it."""
    prose, table = REPORT.split("<table>")
    markup = (
        "<html><head><title>某县统计局2019年政府信息公开工作年度报告</title></head><body>"
        '<div class="nav"><a href="/">首页</a><a href="/xxgk/">信息公开</a></div>'
        f'<div class="article"><div class="part">{prose * 3}</div><div class="part"><table>{table}</div></div>'
        '<div class="footer">苏ICP备12345678号</div></body></html>'
    )
    document = Document(markup)
    article = find_article(document, "split.html")
    assert article.element.attrs.get("class") == "article"
    assert "规范性文件\t3\t3\t12" in article.text
    assert "苏ICP备12345678号" not in article.text
