"""SHACL validation of source files in a child process, so that a build writes its store and dumps meanwhile.

The child runs pySHACL (which needs a Python interpreter of its own to run
beside the build) or the fast engine, and sends back the
:class:`~tierslieux.validation.ValidationOutcome`. It leads a process group of
its own, so that cancelling the job also stops whatever it started. A child
whose build is gone (killed, say) stops too, and removes its
answer file: nobody will read it.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from ..children import end_with_parent
from ..rdfio import RDFSyntaxError
from .outcome import ValidationOutcome
from .shacl import ENGINES


class ValidationFailed(RuntimeError):
    """The validation process failed (not a syntax error: the engine or the process itself)."""


def validate_files(paths: list[Path], shapes_dir: Path, engine: str, graphs: list[str] | None = None,
                   overrides: Path | None = None) -> ValidationOutcome:
    """Validate the files of ``paths`` (which hold the ontology and vocabularies too) against the shapes of ``shapes_dir``.

    With ``graphs`` (the named graph of each file, as a build loads them) the
    shapes judge the *resolved view*: where sources disagree on a single-valued
    group of a place, only the values the policy chose (:mod:`tierslieux.build.resolve`,
    with the reviewed ``overrides`` file) are validated, and each source graph is
    checked on its own for the shapes' cardinality limits (:mod:`.per_source`).
    Without ``graphs`` the files are validated as one graph. With ``engine="fast"``
    the files are read by the engine (Rust) only; with ``pyshacl`` they are parsed by rdflib
    into one graph (errors name file, line and column).
    """

    from . import load_shapes

    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; known: {', '.join(ENGINES)}")
    shapes = load_shapes(shapes_dir)
    if graphs is None:
        return _validate(paths, None, shapes, engine)
    from rdflib.namespace import SH

    from ..build.dumps import load_sources
    from ..build.resolve import read_overrides, resolve
    from ..build.sources import SourceFile
    from .outcome import results_from_report
    from .per_source import check_sources

    store = load_sources([SourceFile(Path(p), g) for p, g in zip(paths, graphs, strict=True)])
    superseded = resolve(store, read_overrides(overrides)).superseded()
    outcome = _validate(paths, (store, superseded) if superseded else None, shapes, engine)
    if check_sources(store, shapes, outcome.report):
        outcome.results = results_from_report(outcome.report)
        outcome.conforms = outcome.conforms and not any(r.severity == SH.Violation for r in outcome.results)
    return outcome


def _validate(paths: list[Path], resolved: tuple | None, shapes, engine: str) -> ValidationOutcome:
    """Validate the files, or, when ``resolved`` is (the sources' store, the superseded triples), their resolved view."""
    from rdflib import Graph

    from . import load_graph, validate_graph

    if resolved is None:
        if engine == "fast":
            from .fast import validate_fast

            return validate_fast(paths, shapes=shapes, model=Graph())
        return validate_graph(load_graph(paths), shapes=shapes, model=Graph())
    _store, superseded = resolved
    if engine == "fast":
        from .fast import validate_fast

        with tempfile.TemporaryDirectory(prefix="tierslieux-resolved-") as work:
            path = Path(work) / "resolved.nt"
            _write_resolved_view(paths, superseded, path)
            return validate_fast([path], shapes=shapes, model=Graph())
    from ..rdfio import rdflib_term

    data = load_graph(paths)
    for triple in superseded:
        data.remove((rdflib_term(triple.subject), rdflib_term(triple.predicate), rdflib_term(triple.object)))
    return validate_graph(data, shapes=shapes, model=Graph())


def _write_resolved_view(paths: list[Path], superseded: list, out: Path) -> None:
    """Write the sources' triples without the superseded ones to ``out`` (N-Triples), as the files state them.

    Read from the files, not from the store: Oxigraph stores some literals in a canonical datatype
    (``"1"^^xsd:positiveInteger`` as ``xsd:integer``), which the shapes would then refuse. A superseded
    triple is compared as the store holds it, so a source triple of the same subject and predicate is
    put through a scratch store before the comparison.
    """
    import pyoxigraph as ox

    dropped = set(superseded)
    keys = {(t.subject, t.predicate) for t in superseded}
    scratch = ox.Store()

    def as_stored(triple: ox.Triple) -> ox.Triple:
        scratch.clear()
        scratch.add(ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()))
        (quad,) = scratch.quads_for_pattern(None, None, None)
        return ox.Triple(quad.subject, quad.predicate, quad.object)

    def kept():
        for source in paths:
            for triple in ox.parse(path=str(source), rename_blank_nodes=True):
                triple = ox.Triple(triple.subject, triple.predicate, triple.object)
                if (triple.subject, triple.predicate) in keys and as_stored(triple) in dropped:
                    continue
                yield triple

    ox.serialize(kept(), str(out), ox.RdfFormat.N_TRIPLES)


def _stop_after_parent(answer: Path) -> None:
    """The build is gone: remove the answer file and stop this process group (with anything the engine started)."""
    answer.unlink(missing_ok=True)
    if os.getpgrp() == os.getpid():  # the group of its own that ValidationJob gave it
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(1)


def _child_main() -> None:
    """Run one validation: the job (JSON) on stdin, the answer pickled into the file named by ``argv[1]``.

    ``argv[2]`` is the build's process id: the validation stops when that process is gone.
    """
    answer, parent = Path(sys.argv[1]), int(sys.argv[2])
    end_with_parent(parent, lambda: _stop_after_parent(answer))
    job = json.load(sys.stdin)
    try:
        message = ("ok", validate_files([Path(p) for p in job["paths"]], Path(job["shapes_dir"]), job["engine"], job.get("graphs"),
                                        Path(job["overrides"]) if job.get("overrides") else None))
    except RDFSyntaxError as error:  # a dataclass exception: sent by its fields, it does not pickle
        message = ("syntax", (error.path, error.line, error.column, error.reason))
    except Exception as error:  # noqa: BLE001 - every failure is reported to the parent
        message = ("error", f"{type(error).__name__}: {error}")
    with answer.open("wb") as handle:
        pickle.dump(message, handle, protocol=pickle.HIGHEST_PROTOCOL)
    if os.getppid() != parent:  # the build ended while the answer was written
        answer.unlink(missing_ok=True)


class ValidationJob:
    """A validation running in a child process: :meth:`result` waits for it, :meth:`cancel` stops it.

    The child is ``python -m tierslieux.validation.process`` (not ``multiprocessing``,
    which would import the caller's main script again), in a session of its own.
    """

    def __init__(self, paths: list[Path], shapes_dir: Path, engine: str, graphs: list[str] | None = None,
                 overrides: Path | None = None):
        if engine not in ENGINES:
            raise ValueError(f"unknown SHACL engine {engine!r}; known: {', '.join(ENGINES)}")
        self.engine = engine
        handle, answer = tempfile.mkstemp(prefix="tierslieux-validation-", suffix=".pickle")
        os.close(handle)
        self._answer = Path(answer)
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__, answer, str(os.getpid())], stdin=subprocess.PIPE, start_new_session=True
        )
        job = {"paths": [str(p) for p in paths], "shapes_dir": str(shapes_dir), "engine": engine,
               "graphs": None if graphs is None else [str(g) for g in graphs], "overrides": str(overrides) if overrides else None}
        self._process.stdin.write(json.dumps(job).encode())
        self._process.stdin.close()

    def result(self) -> ValidationOutcome:
        """Wait for the outcome; raise :class:`RDFSyntaxError` or :class:`ValidationFailed` when the validation could not run."""
        code = self._process.wait()
        try:
            with self._answer.open("rb") as answer:
                kind, payload = pickle.load(answer)
        except (OSError, EOFError, pickle.UnpicklingError):
            raise ValidationFailed(f"the validation process ({self.engine}) ended without an answer (exit code {code})") from None
        finally:
            self._answer.unlink(missing_ok=True)
        if kind == "syntax":
            raise RDFSyntaxError(*payload)
        if kind == "error":
            raise ValidationFailed(f"validation ({self.engine}) failed: {payload}")
        return payload

    def cancel(self) -> None:
        """Stop the validation and whatever it started; nothing happens when it has ended."""
        if self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._answer.unlink(missing_ok=True)


if __name__ == "__main__":
    _child_main()
