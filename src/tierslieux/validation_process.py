"""SHACL validation of source files in a child process, so that a build writes its store and dumps meanwhile.

The child runs pySHACL (which needs a Python interpreter of its own to run
beside the build) or the fast engine (whose JVM it starts), and sends back the
:class:`~tierslieux.validation.ValidationOutcome`. It leads a process group of
its own, so that cancelling the job also stops the JVM it started.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

from .rdfio import RDFSyntaxError
from .validation import ValidationOutcome

ENGINES = ("pyshacl", "fast")


class ValidationFailed(RuntimeError):
    """The validation process failed (not a syntax error: the engine, Java, or the process itself)."""


def validate_files(paths: list[Path], shapes_dir: Path, engine: str) -> ValidationOutcome:
    """Validate the files of ``paths`` (which hold the ontology and vocabularies too) against the shapes of ``shapes_dir``.

    With ``engine="fast"`` the files are read by the JVM only; with ``pyshacl``
    they are parsed by rdflib into one graph (errors name file, line and column).
    """
    from rdflib import Graph

    from .validation import load_graph, load_shapes, validate_graph

    shapes = load_shapes(shapes_dir)
    if engine == "fast":
        from .fastvalidation import validate_fast

        return validate_fast(paths, shapes=shapes, model=Graph())
    if engine == "pyshacl":
        return validate_graph(load_graph(paths), shapes=shapes, model=Graph())
    raise ValueError(f"unknown SHACL engine {engine!r}; known: {', '.join(ENGINES)}")


def _child(connection, paths: list[Path], shapes_dir: Path, engine: str) -> None:
    os.setpgrp()
    try:
        message = ("ok", validate_files(paths, shapes_dir, engine))
    except RDFSyntaxError as error:  # a dataclass exception: sent by its fields, it does not pickle
        message = ("syntax", (error.path, error.line, error.column, error.reason))
    except BaseException as error:  # noqa: BLE001 - every failure is reported to the parent
        message = ("error", f"{type(error).__name__}: {error}")
    connection.send(message)
    connection.close()


class ValidationJob:
    """A validation running in a child process: :meth:`result` waits for it, :meth:`cancel` stops it."""

    def __init__(self, paths: list[Path], shapes_dir: Path, engine: str):
        if engine not in ENGINES:
            raise ValueError(f"unknown SHACL engine {engine!r}; known: {', '.join(ENGINES)}")
        self.engine = engine
        context = multiprocessing.get_context("spawn")  # no fork: the parent may run threads (a server, Oxigraph's)
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(sender, list(paths), Path(shapes_dir), engine), name=f"validation ({engine})", daemon=True)
        self._process.start()
        sender.close()  # the child holds the only sending end: its death reads as end of file

    def result(self) -> ValidationOutcome:
        """Wait for the outcome; raise :class:`RDFSyntaxError` or :class:`ValidationFailed` when the validation could not run."""
        try:
            kind, payload = self._receiver.recv()
        except EOFError:
            self._process.join()
            raise ValidationFailed(f"the validation process ({self.engine}) ended without an answer (exit code {self._process.exitcode})") from None
        finally:
            self._receiver.close()
        self._process.join()
        if kind == "syntax":
            raise RDFSyntaxError(*payload)
        if kind == "error":
            raise ValidationFailed(f"validation ({self.engine}) failed: {payload}")
        return payload

    def cancel(self) -> None:
        """Stop the validation and whatever it started (a JVM); nothing happens when it has ended."""
        if self._process.exitcode is None:
            try:
                os.killpg(self._process.pid, signal.SIGTERM)
            except ProcessLookupError:  # the child has not made its group yet
                self._process.terminate()
            self._process.join(timeout=10)
            if self._process.exitcode is None:
                self._process.kill()
                self._process.join()
        if not self._receiver.closed:
            self._receiver.close()
