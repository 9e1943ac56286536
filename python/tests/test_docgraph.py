"""The Python package against the real pipeline (models, Tesseract) on the repository's
fixtures; run by scripts/python.sh --test (the README's test command), with the built docgraph
command on PATH."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import docgraph

ROOT = Path(__file__).resolve().parents[2]
RELATIONS = ROOT / "fixtures" / "corpus" / "relations"


def command() -> str:
    found = shutil.which("docgraph")
    assert found, "the docgraph command must be on PATH (scripts/python.sh puts target/release there)"
    return found


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """One run through Python and one through the command, over the same four fixture PDFs."""
    base = tmp_path_factory.mktemp("runs")
    events = []
    graph = docgraph.ingest(RELATIONS, base / "py", progress=events.append)
    done = subprocess.run(
        [command(), "ingest", str(RELATIONS), "-o", str(base / "cmd"), "--progress", "none"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    written = json.loads((base / "cmd" / "graph.json").read_text(encoding="utf-8"))
    return graph, written, events, base


def test_ingest_finds_what_the_command_finds(both):
    graph, written, _, _ = both
    assert graph.report["summary"]["ok"] == 4
    mine = sorted((e.name, e.type, tuple(a.name for a in e.aliases), e.mention_count) for e in graph.entities)
    theirs = sorted(
        (n["name"], n["type"], tuple(a["name"] for a in n["aliases"]), n["mentions"])
        for n in written["nodes"]
        if n["kind"] == "entity"
    )
    assert mine == theirs
    typed = [e for e in written["edges"] if e["kind"] == "relation" and e.get("predicate")]
    assert len(graph.relations) == len(typed) > 0
    # Relations the fixtures state (fixtures/expected.json), each read by the pipeline.
    stated = {(r.head.name, r.predicate, r.tail.name) for r in graph.relations}
    for fact in [
        ("Helena Varga", "Work_For", "Nordwind Energy"),
        ("Handelsbanken", "OrgBased_In", "Stockholm"),
        ("Raymond Croft", "Kill", "Dennis Hollis"),
    ]:
        assert fact in stated, (fact, sorted(stated))


def test_relations_carry_provenance_and_entities_their_mentions(both):
    graph, _, _, _ = both
    for r in graph.relations:
        assert r.provenance and r.provenance[0]["sentence"]
        if r.confidence is None:
            assert r.inferred, r  # only an inferred relation may have no model confidence
        else:
            assert 0.0 < r.confidence <= 1.0
    for e in graph.entities:
        assert len(e.mentions) >= 1
        m = e.mentions[0]
        assert m.document.endswith(".pdf") and m.end > m.start


def test_outputs_are_written_and_load_gives_the_same_graph(both):
    graph, _, _, base = both
    for name in ["graph.json", "report.json", "results.jsonl", "graph.graphml", "graph.html"]:
        assert (base / "py" / name).is_file(), name
    again = docgraph.load(base / "py")
    assert [e.name for e in again.entities] == [e.name for e in graph.entities]
    assert len(again.relations) == len(graph.relations)


def test_progress_reaches_the_callback(both):
    _, _, events, _ = both
    kinds = [e["event"] for e in events]
    assert kinds[0] == "discovered" and kinds.count("document") == 4
    last = [e for e in events if e["event"] == "document"][-1]
    assert last["done"] == last["total"] == 4


def test_networkx(both):
    graph, _, _, _ = both
    g = graph.to_networkx()
    assert g.number_of_nodes() == len(graph.entities)
    assert g.number_of_edges() == len(graph.relations) + len(graph.cooccurrences)
    r = graph.relations[0]
    data = g.get_edge_data(r.head.id, r.tail.id)[r.predicate]
    assert data["confidence"] == r.confidence and g.nodes[r.head.id]["name"] == r.head.name


def test_query_by_name_and_alias(both):
    graph, _, _, _ = both
    e = graph.relations[0].head
    assert graph.query(e.name.upper()) == e
    for a in e.aliases:
        assert graph.query(a.name) == e
    assert graph.query("No Such Entity Anywhere") is None
    assert graph.relations[0] in graph.relations_of(e)


def test_a_bad_folder_is_an_exception_with_its_kind(tmp_path):
    with pytest.raises(docgraph.DocgraphError) as caught:
        docgraph.ingest(tmp_path / "missing", tmp_path / "out")
    assert caught.value.kind == "io"
    assert "missing" in str(caught.value)
    with pytest.raises(docgraph.DocgraphError) as caught:
        docgraph.ingest(tmp_path, tmp_path)
    assert caught.value.kind == "config"
    with pytest.raises(TypeError):
        docgraph.ingest(tmp_path, tmp_path / "out", no_such_option=True)
    with pytest.raises(docgraph.DocgraphError):
        docgraph.load(tmp_path / "missing")


def six_pdfs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for pdf in sorted((ROOT / "fixtures" / "corpus" / "producers").glob("*.pdf")):
        shutil.copy(pdf, folder / pdf.name)
    return folder


def test_a_callback_cancels_and_what_finished_is_kept(tmp_path):
    folder = six_pdfs(tmp_path)

    def stop_after_first(event):
        return event["event"] != "document"

    graph = docgraph.ingest(folder, tmp_path / "out", progress=stop_after_first, workers=1, sequential=True)
    report = graph.report
    assert report["cancelled"] is True
    assert 1 <= report["summary"]["ok"] < report["summary"]["documents"]
    written = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert written["cancelled"] is True and written["summary"]["ok"] == report["summary"]["ok"]


def test_ctrl_c_cancels_keeps_what_finished_and_raises(tmp_path):
    folder, out = six_pdfs(tmp_path), tmp_path / "out"
    script = f"""
import os, signal, docgraph
# Python ignores SIGINT in a process started in the background (as CI may start the tests);
# a terminal's Ctrl-C is what is tested here.
signal.signal(signal.SIGINT, signal.default_int_handler)
def on(event):
    if event["event"] == "document":
        os.kill(os.getpid(), signal.SIGINT)
try:
    docgraph.ingest({str(folder)!r}, {str(out)!r}, progress=on, workers=1, sequential=True)
except KeyboardInterrupt:
    print("interrupted")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "interrupted", done.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["cancelled"] is True
    assert 1 <= report["summary"]["ok"] < report["summary"]["documents"]
