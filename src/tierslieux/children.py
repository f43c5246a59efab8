"""What the project's child processes share: they end when the process that started them is gone.

A query process (:mod:`tierslieux.stores.query_processes`) and a build's validation
(:mod:`tierslieux.validation.process`) are started with ``subprocess`` and hold a store or
minutes of CPU: orphaned by a killed parent, they would hold them for nothing. Each watches
its parent from a daemon thread (the engines release the GIL while they compute, so it runs).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable


def end_with_parent(parent: int, end: Callable[[], None], interval: float = 0.5) -> threading.Thread:
    """Start a daemon thread that calls ``end`` once ``parent`` is no longer this process's parent.

    ``end`` must end the process (``os._exit``): the thread calls it once and stops.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        end()

    thread = threading.Thread(target=watch, name="end-with-parent", daemon=True)
    thread.start()
    return thread
