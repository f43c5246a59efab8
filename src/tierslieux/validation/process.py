"""SHACL validation of source files in a child process, so that a build writes its store and dumps meanwhile.

The child runs pySHACL (which needs a Python interpreter of its own to run
beside the build) or the fast engine (whose JVM it starts), and sends back the
:class:`~tierslieux.validation.ValidationOutcome`. It leads a process group of
its own, so that cancelling the job also stops the JVM it started. A child
whose build is gone (killed, say) stops too, JVM included, and removes its
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
import threading
import time
from pathlib import Path

from ..rdfio import RDFSyntaxError
from .outcome import ValidationOutcome
from .shacl import ENGINES


class ValidationFailed(RuntimeError):
    """The validation process failed (not a syntax error: the engine, Java, or the process itself)."""


def validate_files(paths: list[Path], shapes_dir: Path, engine: str) -> ValidationOutcome:
    """Validate the files of ``paths`` (which hold the ontology and vocabularies too) against the shapes of ``shapes_dir``.

    With ``engine="fast"`` the files are read by the JVM only; with ``pyshacl``
    they are parsed by rdflib into one graph (errors name file, line and column).
    """
    from rdflib import Graph

    from . import load_graph, load_shapes, validate_graph

    shapes = load_shapes(shapes_dir)
    if engine == "fast":
        from .fast import validate_fast

        return validate_fast(paths, shapes=shapes, model=Graph())
    if engine == "pyshacl":
        return validate_graph(load_graph(paths), shapes=shapes, model=Graph())
    raise ValueError(f"unknown SHACL engine {engine!r}; known: {', '.join(ENGINES)}")


def _stop_with_parent(parent: int, answer: Path) -> None:
    """Wait until the build ``parent`` is gone, then remove the answer file and stop this process group (and its JVM)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    answer.unlink(missing_ok=True)
    if os.getpgrp() == os.getpid():  # the group of its own that ValidationJob gave it
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(1)


def _child_main() -> None:
    """Run one validation: the job (JSON) on stdin, the answer pickled into the file named by ``argv[1]``.

    ``argv[2]`` is the build's process id: the validation stops when that process is gone.
    """
    answer, parent = Path(sys.argv[1]), int(sys.argv[2])
    threading.Thread(target=_stop_with_parent, args=(parent, answer), daemon=True).start()
    job = json.load(sys.stdin)
    try:
        message = ("ok", validate_files([Path(p) for p in job["paths"]], Path(job["shapes_dir"]), job["engine"]))
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

    def __init__(self, paths: list[Path], shapes_dir: Path, engine: str):
        if engine not in ENGINES:
            raise ValueError(f"unknown SHACL engine {engine!r}; known: {', '.join(ENGINES)}")
        self.engine = engine
        handle, answer = tempfile.mkstemp(prefix="tierslieux-validation-", suffix=".pickle")
        os.close(handle)
        self._answer = Path(answer)
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__, answer, str(os.getpid())], stdin=subprocess.PIPE, start_new_session=True
        )
        job = {"paths": [str(p) for p in paths], "shapes_dir": str(shapes_dir), "engine": engine}
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
        """Stop the validation and whatever it started (a JVM); nothing happens when it has ended."""
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
