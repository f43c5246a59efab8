"""``tierslieux link wikidata`` from end to end: search, fetch, score, decide, and write ``data/links/``."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tqdm import tqdm

from .. import __version__
from .candidates import fetch_items, search_candidates
from .capability import choose_search
from .classes import KindClasses, load_kind_classes
from .client import ClientStats, SparqlClient
from .config import LinkConfig
from .linkstore import (
    AUTOMATIC,
    LINKS_FILE,
    REJECTED_FILE,
    REVIEW_FILE,
    UNMATCHED_FILE,
    Link,
    Unmatched,
    read_links,
    read_rejections,
    read_unmatched,
    write_links,
    write_unmatched,
)
from .matches import ACCEPT, NO_MATCH, REVIEW, Decision, decide, rank
from .places import Place
from .review import queue_rows, read_queue, write_queue


class LinkingError(RuntimeError):
    """The run cannot start or finish (the message says why and what to do)."""


@dataclass
class RunReport:
    """What a run of the linker did."""

    endpoint: str
    mode: str
    mode_reason: str
    places: int = 0
    already_linked: int = 0
    decisions: list[Decision] = field(default_factory=list)
    kind_classes: KindClasses | None = None
    stats: ClientStats | None = None

    def count(self, status: str) -> int:
        """Return how many places got ``status`` (accept, review, no-match)."""
        return sum(1 for d in self.decisions if d.status == status)


def _demote_shared_items(decisions: list[Decision], taken: dict[str, str]) -> list[Decision]:
    """Send to review every automatic link to an item another place also gets or already has."""
    wanted = Counter(d.best.item.qid for d in decisions if d.status == ACCEPT and d.best)
    result = []
    for decision in decisions:
        best = decision.best
        if decision.status == ACCEPT and best and (wanted[best.item.qid] > 1 or best.item.qid in taken):
            result.append(Decision(decision.place, REVIEW, decision.candidates))
        else:
            result.append(decision)
    return result


def link_places(
    places: list[Place],
    *,
    config: LinkConfig,
    client: SparqlClient,
    links_dir: Path,
    mode: str | None = None,
    refresh_classes: bool = False,
    today: date | None = None,
    progress: bool = True,
    log: Callable[[str], None] = lambda message: None,
) -> RunReport:
    """Look for Wikidata items for every place without an accepted link, and update ``links_dir``."""
    links_dir = Path(links_dir)
    today = today or date.today()
    queue_path = links_dir / REVIEW_FILE
    queue = read_queue(queue_path)
    pending = [row for row in queue if row.get("decision")]
    if pending:
        raise LinkingError(
            f"{queue_path}: {len(pending)} decision(s) not applied yet; run `tierslieux link review {queue_path}` first"
        )
    links = read_links(links_dir / LINKS_FILE)
    taken = {k.qid: k.place for k in links}
    linked = {k.place for k in links}
    rejected: dict[str, set[str]] = {}
    for rejection in read_rejections(links_dir / REJECTED_FILE):
        rejected.setdefault(rejection.place, set()).add(rejection.qid)

    todo = [p for p in places if p.iri not in linked]
    chosen_mode, reason = choose_search(client, config, mode)
    report = RunReport(client.endpoint, chosen_mode, reason, places=len(places), already_linked=len(places) - len(todo))
    log(f"search: {chosen_mode} ({reason})")
    kind_classes = load_kind_classes(client, config, links_dir, refresh=refresh_classes, today=today)
    report.kind_classes = kind_classes
    for title in kind_classes.unresolved:
        log(f"class: the French Wikipedia article {title!r} names no item on {client.endpoint}; its kind has no class from it")

    with tqdm(total=len(todo), desc="searching", unit="place", file=sys.stderr, disable=not progress) as bar:
        found = search_candidates(client, todo, kind_classes, chosen_mode, config.batch_size, bar.update)
    wanted = set().union(*found.values()) if found else set()
    with tqdm(total=len(wanted), desc="fetching items", unit="item", file=sys.stderr, disable=not progress) as bar:
        items = fetch_items(client, wanted, kind_classes, config.batch_size, bar.update)

    decisions = []
    for place in todo:
        candidates = [items[q] for q in sorted(found[place.iri])]
        ranked = rank(place, candidates, kind_classes, config.scoring, frozenset(rejected.get(place.iri, ())))
        decisions.append(decide(place, ranked, config.scoring))
    decisions = _demote_shared_items(decisions, taken)
    report.decisions = decisions
    report.stats = client.stats

    tool = f"tierslieux link wikidata ({chosen_mode})"
    for decision in decisions:
        if decision.status == ACCEPT and decision.best:
            best = decision.best
            links.append(
                Link(
                    place=decision.place.iri,
                    qid=best.item.qid,
                    how=AUTOMATIC,
                    created=today,
                    tool=tool,
                    tool_version=__version__,
                    score=best.score,
                    comment=best.evidence.summary(),
                )
            )
    processed = {p.iri for p in todo}
    kept_rows = [row for row in queue if row["place"] not in processed and row["place"] not in linked]
    kept_unmatched = [u for u in read_unmatched(links_dir / UNMATCHED_FILE) if u.place not in processed and u.place not in linked]
    new_unmatched = [
        Unmatched(d.place.iri, today.isoformat(), client.endpoint, "no candidate reached the review threshold")
        for d in decisions
        if d.status == NO_MATCH
    ]
    write_links(links_dir / LINKS_FILE, links)
    write_queue(queue_path, kept_rows + queue_rows([d for d in decisions if d.status == REVIEW]))
    write_unmatched(links_dir / UNMATCHED_FILE, kept_unmatched + new_unmatched)
    return report


__all__ = ["ACCEPT", "NO_MATCH", "REVIEW", "LinkingError", "RunReport", "link_places"]
