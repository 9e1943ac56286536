"""docgraph for Python: a folder of PDFs into a knowledge graph, in-process.

    import docgraph
    graph = docgraph.ingest("papers/", "out/")          # runs the pipeline, writes out/
    for r in graph.relations:
        print(r.head.name, r.predicate, r.tail.name, r.confidence)
    g = graph.to_networkx()                              # networkx.MultiDiGraph
    graph = docgraph.load("out/")                        # a finished output folder

The pipeline is docgraph's own (the extension module ``docgraph._native``), with the models
and model runtime of the installed ``docgraph`` command, found as that command finds them
(on ``PATH``, or named by ``DOCGRAPH_COMMAND``; ``DOCGRAPH_MODEL_DIR`` and
``DOCGRAPH_TORCH_LIBRARY`` as for the command).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, Union

if TYPE_CHECKING:  # pragma: no cover
    import networkx

__all__ = [
    "DocgraphError",
    "Alias",
    "Mention",
    "Entity",
    "Relation",
    "Graph",
    "ingest",
    "load",
]

PathLike = Union[str, "os.PathLike[str]"]


class DocgraphError(Exception):
    """A run that could not start or finish. ``kind`` names the failure as ``report.json``
    names a document's (``io``, ``config``, ``model``, ``locked``, ...)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Alias:
    """A name an entity goes by, how often, and the rule that joined it."""

    name: str
    count: int
    rule: str


@dataclass(frozen=True)
class Mention:
    """Where a document names an entity: page and character span of its text."""

    document: str
    page: int
    start: int
    end: int
    text: str
    score: Optional[float]


@dataclass(frozen=True)
class Entity:
    """One real-world entity of the graph (a node of ``graph.json``)."""

    id: int
    key: str
    name: str
    type: str
    aliases: Tuple[Alias, ...]
    mention_count: int
    documents: int
    mentions: Tuple[Mention, ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class Relation:
    """An edge between two entities: a typed relation (``predicate`` set) or a co-occurrence
    (``predicate`` None). ``provenance``: every sentence it was read from, as in
    ``graph.json`` (an inferred relation's say by which rule and from which relations);
    ``inferred``: whether it was inferred rather than stated (``confidence`` may then be None)."""

    head: Entity
    tail: Entity
    predicate: Optional[str]
    confidence: Optional[float]
    weight: int
    provenance: Tuple[Dict[str, Any], ...] = field(repr=False)
    inferred: bool = False


class Graph:
    """A docgraph knowledge graph: ``entities``, typed ``relations``, ``cooccurrences``,
    ``documents`` (as in ``graph.json``) and the run's ``report`` (``report.json``)."""

    def __init__(self, graph: Dict[str, Any], report: Dict[str, Any]) -> None:
        self.raw = graph
        self.report = report
        mentions: Dict[int, List[Mention]] = {}
        for doc in graph.get("documents", []):
            for m in doc.get("mentions", []):
                mentions.setdefault(m["entity"], []).append(
                    Mention(doc["path"], m["page"], m["start"], m["end"], m["text"], m.get("score"))
                )
        self.entities: List[Entity] = []
        by_id: Dict[int, Entity] = {}
        for n in graph["nodes"]:
            if n["kind"] != "entity":
                continue
            e = Entity(
                id=n["id"],
                key=n["key"],
                name=n["name"],
                type=n["type"],
                aliases=tuple(Alias(a["name"], a["count"], a["rule"]) for a in n.get("aliases", [])),
                mention_count=n["mentions"],
                documents=n["documents"],
                mentions=tuple(mentions.get(n["id"], ())),
            )
            self.entities.append(e)
            by_id[e.id] = e
        self.relations: List[Relation] = []
        self.cooccurrences: List[Relation] = []
        for edge in graph["edges"]:
            if edge["kind"] != "relation":
                continue
            r = Relation(
                head=by_id[edge["source"]],
                tail=by_id[edge["target"]],
                predicate=edge.get("predicate"),
                confidence=edge.get("confidence"),
                weight=edge["weight"],
                provenance=tuple(edge.get("provenance", [])),
                inferred=bool(edge.get("inferred")),
            )
            (self.relations if r.predicate else self.cooccurrences).append(r)
        self.documents: List[Dict[str, Any]] = list(graph.get("documents", []))
        self._by_name: Dict[str, Entity] = {}
        for e in self.entities:
            for name in [e.name, e.key] + [a.name for a in e.aliases]:
                self._by_name.setdefault(name.casefold(), e)

    def __repr__(self) -> str:
        return (
            f"<docgraph.Graph: {len(self.entities)} entities, {len(self.relations)} relations, "
            f"{len(self.documents)} documents>"
        )

    def query(self, name: str) -> Optional[Entity]:
        """The entity named ``name`` or going by it as an alias (case ignored), as
        ``docgraph query`` finds it; None when there is none."""
        return self._by_name.get(name.casefold())

    def relations_of(self, entity: Entity) -> List[Relation]:
        """The typed relations with ``entity`` as head or tail."""
        return [r for r in self.relations if entity.id in (r.head.id, r.tail.id)]

    def to_networkx(self) -> "networkx.MultiDiGraph":
        """The graph as a ``networkx.MultiDiGraph``: a node per entity (keyed by its id, with
        ``name``, ``type``, ``aliases``, ``mentions``), an edge per relation and
        co-occurrence (``predicate``, ``confidence``, ``weight``, ``provenance``)."""
        import networkx

        g = networkx.MultiDiGraph()
        for e in self.entities:
            g.add_node(
                e.id,
                name=e.name,
                type=e.type,
                aliases=[a.name for a in e.aliases],
                mentions=e.mention_count,
                documents=e.documents,
            )
        for r in self.relations + self.cooccurrences:
            g.add_edge(
                r.head.id,
                r.tail.id,
                key=r.predicate or "co-occurrence",
                predicate=r.predicate,
                confidence=r.confidence,
                weight=r.weight,
                provenance=list(r.provenance),
                inferred=r.inferred,
            )
        return g


def _command() -> Optional[str]:
    """The installed docgraph command whose models and model runtime the pipeline uses."""
    named = os.environ.get("DOCGRAPH_COMMAND")
    if named:
        return named
    found = shutil.which("docgraph")
    return os.path.realpath(found) if found else None


def ingest(
    path: PathLike,
    out: PathLike,
    *,
    progress: Optional[Callable[[Dict[str, Any]], Optional[bool]]] = None,
    **options: Any,
) -> Graph:
    """Runs docgraph over ``path`` (a folder, searched recursively, or one PDF) and writes its
    outputs into ``out``, as ``docgraph ingest PATH -o OUT`` does; returns the graph.

    ``progress(event)`` gets each progress event as a dict (``{"event": "document", "done": 3,
    "total": 17, "path": ..., "status": "ok", ...}``, as ``--progress json`` prints them);
    returning ``False`` cancels the run. Ctrl-C cancels it too (then ``KeyboardInterrupt`` is
    raised). A cancelled run keeps what finished: its outputs are written, unless ``out``
    already holds a fuller run.

    Options (the command's, by their long names): ``workers`` (int), ``precision`` ("auto",
    "float32", "bfloat16", "int8"), ``sequential``, ``keep_text``, ``force``, ``cache``
    (False: ``--no-cache``), ``relations`` (False: ``--no-relation-model``),
    ``cooccurrence``, ``inference``, ``relations_from_all``, ``doc_timeout`` (seconds),
    ``html`` (False: ``--no-html``), ``model_dir``, ``entities`` (a list of known entities,
    as ``--entities``).

    Raises ``DocgraphError`` (with ``kind``) when the run cannot start or write its outputs;
    a broken PDF is not an error: the report lists it and the rest completes.
    """
    from . import _native

    opts = {
        k: (os.fspath(v) if k in ("model_dir", "entities") and v is not None else v)
        for k, v in options.items()
    }
    graph, report = _native.ingest(os.fspath(path), os.fspath(out), opts, _command(), progress)
    return Graph(json.loads(graph), json.loads(report))


def load(out: PathLike) -> Graph:
    """The graph and report of a finished output folder (of ``ingest``, ``merge`` or the
    command)."""
    out = Path(out)
    try:
        graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise DocgraphError(f"{out} holds no docgraph outputs: {e}", "io") from e
    except json.JSONDecodeError as e:
        raise DocgraphError(f"{out}: damaged outputs: {e}", "io") from e
    return Graph(graph, report)
