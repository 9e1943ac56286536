"""The extension module (Rust, PyO3): the pipeline run in-process. Use ``docgraph.ingest``."""

from typing import Any, Callable, Dict, Optional, Tuple

def ingest(
    path: str,
    out: str,
    options: Dict[str, Any],
    program: Optional[str] = None,
    progress: Optional[Callable[[Dict[str, Any]], Optional[bool]]] = None,
) -> Tuple[str, str]:
    """Runs the pipeline; returns (graph.json, report.json) as text."""
