"""Running TopQuadrant's SHACL engine on files: one JVM for a batch of validation jobs, results read back as RDF terms."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .jvm import driver

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class FastValidationError(RuntimeError):
    """The SHACL engine failed: a file it could not parse, or an error inside the engine (the message says which)."""


@dataclass(frozen=True)
class InputFile:
    """An RDF file for a job; ``keep_labels`` keeps its blank node labels (for N-Triples the caller wrote itself)."""

    path: Path
    keep_labels: bool = False


@dataclass
class Job:
    """One validation: data files (read as one graph) against shapes files."""

    data: list[InputFile]
    shapes: list[InputFile]


@dataclass(frozen=True)
class RawResult:
    """One result as the engine reported it; ``path`` is None for a node shape, ``complex_path`` for a path that is not an IRI."""

    focus_node: Node
    path: URIRef | None
    complex_path: bool
    severity: URIRef
    source_shape: Node
    component: URIRef
    value: Node | None
    messages: tuple[Literal, ...]


@dataclass
class EngineRun:
    """The results of each job of a batch, and what the run cost."""

    results: list[list[RawResult] | None]
    errors: list[str | None]
    seconds: float
    log: str
    peak_memory_bytes: int | None = field(default=None)


def term(encoded: dict | None) -> Node | None:
    """Return the rdflib term of one term as the driver writes it (``{"iri"}``, ``{"bnode"}`` or ``{"literal", "lang"|"datatype"}``)."""
    if encoded is None:
        return None
    if "iri" in encoded:
        return URIRef(encoded["iri"])
    if "bnode" in encoded:
        return BNode(encoded["bnode"])
    if "lang" in encoded:
        return Literal(encoded["literal"], lang=encoded["lang"])
    if encoded["datatype"] == XSD_STRING:  # RDF 1.1: a simple literal is an xsd:string; rdflib keeps it untyped
        return Literal(encoded["literal"])
    # As the engine wrote it: rdflib would "normalise" an ill-typed "none"^^xsd:boolean into a valid false.
    return Literal(encoded["literal"], datatype=URIRef(encoded["datatype"]), normalize=False)


def _read_results(path: Path) -> list[RawResult]:
    results = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            results.append(
                RawResult(
                    focus_node=term(record["focusNode"]),
                    path=term(record.get("path")),
                    complex_path=bool(record.get("complexPath")),
                    severity=term(record["severity"]),
                    source_shape=term(record["sourceShape"]),
                    component=term(record["component"]),
                    value=term(record.get("value")),
                    messages=tuple(term(m) for m in record["messages"]),
                )
            )
    return results


def default_threads() -> int:
    """Return how many validation threads to use: the processors this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


#: N-Triples files above this size whose blank node labels are kept are parsed in parallel slices.
SLICE_BYTES = 8 << 20


def run_jobs(jobs: list[Job], *, threads: int | None = None, raise_errors: bool = True, slice_bytes: int = SLICE_BYTES) -> EngineRun:
    """Run ``jobs`` in one JVM and return their results, in order.

    A job that fails (an unparsable file: the message names the file and line)
    raises :class:`FastValidationError`, or with ``raise_errors=False`` has
    None results and its message in ``errors``, the other jobs' results being kept.
    """
    command_driver = driver()
    threads = threads or default_threads()
    with tempfile.TemporaryDirectory(prefix="tierslieux-shacl-") as work:
        work_dir = Path(work)
        spec = {"threads": threads, "sliceBytes": slice_bytes, "jobs": []}
        outputs = []
        for index, job in enumerate(jobs):
            out = work_dir / f"results-{index}.jsonl"
            outputs.append(out)
            spec["jobs"].append(
                {
                    "data": [{"path": str(f.path), "keepLabels": f.keep_labels} for f in job.data],
                    "shapes": [{"path": str(f.path), "keepLabels": f.keep_labels} for f in job.shapes],
                    "out": str(out),
                }
            )
        jobs_file = work_dir / "jobs.json"
        jobs_file.write_text(json.dumps(spec), encoding="utf-8")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        done = subprocess.run(command_driver.command(jobs_file), capture_output=True, text=True)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        errors = [_job_error(out, done.stderr) for out in outputs]
        if done.returncode != 0 and not any(errors):
            raise FastValidationError("the SHACL engine failed: " + _tail(done.stderr))
        if raise_errors and any(errors):
            raise FastValidationError(next(e for e in errors if e))
        results = [None if error else _read_results(out) for out, error in zip(outputs, errors)]
    # ru_maxrss (KiB on Linux) is the largest child so far: it measures this run only when it grew.
    peak = after * 1024 if after > before else None
    return EngineRun(results=results, errors=errors, seconds=seconds, log=done.stderr, peak_memory_bytes=peak)


def _job_error(out: Path, stderr: str) -> str | None:
    error_file = out.with_name(out.name + ".error")
    if error_file.is_file():
        return "the SHACL engine failed: " + error_file.read_text(encoding="utf-8")
    if not out.is_file():
        return "the SHACL engine wrote no result: " + _tail(stderr)
    return None


def _tail(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return "\n".join(lines[-10:]) or "no message"
