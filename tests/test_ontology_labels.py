"""The labels checking reads, checked where the ontology is read (`formats.check_labels`).

An operator who edits a label in ontology/ can make a rule find nothing (its @en label
gone: the constraints match the rule's two labels to quote them), every finding twice
(two labels of a language), or the build and the reference checker disagree (a tag in
capitals: Oxigraph lowers it, rdflib does not). Each stops the build before a record
is read, naming the file, the term and what to write. The edits below are made to a
copy of the shipped ontology; the labels they touch are typed from its files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from publisher.errors import FormatError
from publisher.graph.formats import load_ontology_documents
from publisher.rdf.iris import Iris
from publisher.settings import ONTOLOGY_DIR, SHAPES_DIR
from publisher.validation.shapes import load_shapes_documents
from tests.helpers import BASE

#: A rule of the national 2019 format, its labels as ontology/formats/national-2019.ttl writes them.
RULE_LABELS = 'rdfs:label "办理结果各项之和等于总计"@zh , "Outcomes sum to the total"@en ;'
#: The same rule as ontology/formats/national-2019.ttl types it.
RULE_TYPED = "n19:rule\\/results-sum-to-total a dis:SumRule ;"
#: The item scheme of every format, as ontology/common.ttl writes its preferred labels.
SCHEME_LABELS = 'skos:prefLabel "统计项目（全部格式）"@zh , "Items (all formats)"@en ;'


def edited(tmp_path: Path, name: str, old: str, new: str, source: Path = ONTOLOGY_DIR) -> Path:
    """A copy of ontology/ (or `source`) with `old` replaced by `new` in file `name` (once: the text must be there);
    the same copy edited again when it is already made."""
    folder = tmp_path / source.name
    if not folder.exists():
        shutil.copytree(source, folder)
    path = next(folder.rglob(name))
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{name} no longer reads {old!r}: type the labels again from it"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def appended(folder: Path, name: str, turtle: str) -> None:
    """Turtle statements added at the end of file `name` of a copy made by `edited`."""
    path = next(folder.rglob(name))
    path.write_text(path.read_text(encoding="utf-8") + "\n" + turtle + "\n", encoding="utf-8")


def test_the_shipped_ontology_has_the_labels_checking_reads() -> None:
    documents = load_ontology_documents(ONTOLOGY_DIR, Iris(BASE))
    assert len(documents) == len(list(ONTOLOGY_DIR.rglob("*.ttl")))


def test_a_rule_without_its_english_label_stops_the_build(tmp_path: Path) -> None:
    folder = edited(tmp_path, "national-2019.ttl", RULE_LABELS, 'rdfs:label "办理结果各项之和等于总计"@zh ;')
    with pytest.raises(FormatError) as raised:
        load_ontology_documents(folder, Iris(BASE))
    message = str(raised.value)
    assert "national-2019.ttl" in message
    assert f"{BASE}/def/national-2019/rule/results-sum-to-total" in message
    assert "rdfs:label ['zh']" in message and "exactly one @zh and one @en" in message


def test_a_rule_with_two_chinese_labels_stops_the_build(tmp_path: Path) -> None:
    twice = RULE_LABELS.replace(' , "Outcomes', ' , "办理结果之和"@zh , "Outcomes')
    folder = edited(tmp_path, "national-2019.ttl", RULE_LABELS, twice)
    with pytest.raises(FormatError, match=r"rule/results-sum-to-total has rdfs:label \['en', 'zh', 'zh'\]"):
        load_ontology_documents(folder, Iris(BASE))


def test_a_language_tag_in_capitals_stops_the_build(tmp_path: Path) -> None:
    folder = edited(tmp_path, "national-2019.ttl", RULE_LABELS, RULE_LABELS.replace("@en ;", "@EN ;"))
    with pytest.raises(FormatError) as raised:
        load_ontology_documents(folder, Iris(BASE))
    message = str(raised.value)
    assert "national-2019.ttl" in message and "tagged @EN (Outcomes sum to the total)" in message
    assert "lower case (@en)" in message


def test_two_preferred_labels_of_a_language_stop_the_build(tmp_path: Path) -> None:
    twice = SCHEME_LABELS.replace(' , "Items', ' , "统计项目"@zh , "Items')
    folder = edited(tmp_path, "common.ttl", SCHEME_LABELS, twice)
    with pytest.raises(FormatError) as raised:
        load_ontology_documents(folder, Iris(BASE))
    message = str(raised.value)
    assert "common.ttl" in message and "more than one skos:prefLabel @zh" in message
    assert "skos:altLabel" in message


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("n19:rule\\/results-sum-to-total", id="no-type"),
        pytest.param("n19:rule\\/results-sum-to-total a dis:SumRul ;", id="misspelt-type"),
    ],
)
def test_a_formats_rule_not_typed_as_a_rule_stops_the_build(tmp_path: Path, typed: str) -> None:
    folder = edited(tmp_path, "national-2019.ttl", RULE_TYPED, typed)
    with pytest.raises(FormatError) as raised:
        load_ontology_documents(folder, Iris(BASE))
    message = str(raised.value)
    assert "national-2019.ttl" in message and "rule/results-sum-to-total is a format's dis:rule" in message
    assert "not typed as a rule" in message and "subclass of dis:Rule" in message


def test_a_rule_typed_with_a_subclass_declared_in_another_file_is_checked(tmp_path: Path) -> None:
    folder = edited(tmp_path, "national-2019.ttl", RULE_TYPED, "n19:rule\\/results-sum-to-total a dis:LocalSumRule ;")
    appended(folder, "common.ttl", "dis:LocalSumRule rdfs:subClassOf dis:SumRule .")
    load_ontology_documents(folder, Iris(BASE))  # a rule: its labels are there
    edited(tmp_path, "national-2019.ttl", RULE_LABELS, 'rdfs:label "办理结果各项之和等于总计"@zh ;')
    with pytest.raises(FormatError, match=r"rule/results-sum-to-total has rdfs:label \['zh'\]"):
        load_ontology_documents(folder, Iris(BASE))


def test_the_same_label_said_again_in_another_file_is_one_label(tmp_path: Path) -> None:
    folder = edited(tmp_path, "national-2019.ttl", RULE_LABELS, RULE_LABELS)
    appended(
        folder,
        "common.ttl",
        '<def/national-2019/rule/results-sum-to-total> rdfs:label "Outcomes sum to the total"@en .',
    )
    documents = load_ontology_documents(folder, Iris(BASE))
    assert len(documents) == len(list(ONTOLOGY_DIR.rglob("*.ttl")))


def test_a_language_tag_in_capitals_in_the_shapes_stops_the_build(tmp_path: Path) -> None:
    label = '"Arithmetic shapes of annual reports"@en'
    folder = edited(tmp_path, "arithmetic.ttl", label, label.replace("@en", "@EN"), source=SHAPES_DIR)
    with pytest.raises(FormatError, match=r"arithmetic\.ttl: .* tagged @EN .*lower case \(@en\)"):
        load_shapes_documents(folder, Iris(BASE))
