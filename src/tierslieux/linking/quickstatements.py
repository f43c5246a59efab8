"""QuickStatements V1 commands that create Wikidata items for the places Wikidata lacks.

For each unmatched place: ``CREATE``, then its French label (``Lfr``) and
description (``Dfr``), instance of (``P31``, the class of its kind), coordinate
location (``P625``, ``@lat/lon``), located in (``P131``, the commune's item, only
when exactly one item carries the commune's INSEE code ``P374`` on the endpoint),
official website (``P856``) and inception (``P571``) where known. Every statement
is referenced to our source with ``S854`` (reference URL: the dataset's landing
page, or the source document's address); ``S248`` (stated in) is not written,
because the census has no verified Wikidata item.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal
from rdflib.namespace import XSD

from .candidates import batches
from .classes import KindClasses
from .client import SparqlClient
from .places import Place, kind_label, reference_url
from .wikidata import PROLOGUE, qid, string_literal


@dataclass
class QuickStatementsResult:
    """The commands, and the places left out with the reason."""

    commands: list[str] = field(default_factory=list)
    created: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The commands as one QuickStatements V1 text (tab-separated, one command a line)."""
        return "".join(line + "\n" for line in self.commands)


def qs_string(text: str) -> str:
    """Return ``text`` as a QuickStatements string: in double quotes, which it may not contain, on one line."""
    cleaned = " ".join(text.replace('"', "'").split())
    return f'"{cleaned}"'


def qs_time(value: Literal) -> str | None:
    """Return a QuickStatements time (``+2010-00-00T00:00:00Z/9``) at the precision of an xsd date, or None."""
    text = str(value)
    if value.datatype == XSD.gYear and len(text) == 4 and text.isdigit():
        return f"+{text}-00-00T00:00:00Z/9"
    if value.datatype == XSD.gYearMonth and len(text) == 7:
        return f"+{text}-00T00:00:00Z/10"
    if value.datatype == XSD.date and len(text) == 10:
        return f"+{text}T00:00:00Z/11"
    return None


def commune_items(client: SparqlClient, codes: set[str], batch_size: int = 50) -> dict[str, str]:
    """Return {INSEE code: item} for the codes that exactly one current item carries (P374) on the endpoint."""
    found: dict[str, set[str]] = {c: set() for c in codes}
    for batch in batches(sorted(codes), batch_size):
        values = " ".join(string_literal(c) for c in batch)
        query = (
            PROLOGUE
            + f"""SELECT ?insee ?item WHERE {{
  VALUES ?insee {{ {values} }}
  ?item wdt:P374 ?insee .
  FILTER NOT EXISTS {{ ?item wdt:P576 ?dissolved }}
}}"""
        )
        for row in client.select(query):
            item = qid(row["item"]["value"])
            if item and row["insee"]["value"] in found:
                found[row["insee"]["value"]].add(item)
    return {code: next(iter(items)) for code, items in found.items() if len(items) == 1}


def place_class(place: Place, kind_classes: KindClasses) -> str | None:
    """Return the class a new item for the place is an instance of: its first kind's class, else the any-kind class."""
    for kind in place.kinds:
        classes = kind_classes.classes.get(kind)
        if classes:
            return min(classes, key=lambda q: int(q[1:]))
    if kind_classes.any_kind:
        return min(kind_classes.any_kind, key=lambda q: int(q[1:]))
    return None


def build_quickstatements(
    places: list[Place], graph: Graph, kind_classes: KindClasses, communes: dict[str, str]
) -> QuickStatementsResult:
    """Return the commands creating one item per place (see the module docstring); places lacking a class or a source are skipped."""
    result = QuickStatementsResult()
    for place in sorted(places, key=lambda p: p.iri):
        reference = next((url for url in (reference_url(graph, s) for s in place.sources) if url), None)
        if reference is None:
            result.skipped.append((place.iri, "its source has no public web address to reference"))
            continue
        instance_of = place_class(place, kind_classes)
        if instance_of is None:
            result.skipped.append((place.iri, f"no Wikidata class is known for its kinds ({', '.join(place.kinds) or 'none'})"))
            continue
        cite = f"\tS854\t{qs_string(reference)}"
        kind = next((label for label in (kind_label(graph, k) for k in place.kinds) if label), None)
        what = f"tiers-lieu ({kind})" if kind and kind != "tiers-lieu" else "tiers-lieu"
        description = f"{what} à {place.commune}" if place.commune else f"{what} en France"
        lines = ["CREATE", f"LAST\tLfr\t{qs_string(place.name)}", f"LAST\tDfr\t{qs_string(description)}"]
        lines.append(f"LAST\tP31\t{instance_of}{cite}")
        if place.coordinates:
            lat, lon = place.coordinates
            lines.append(f"LAST\tP625\t@{lat:.6f}/{lon:.6f}{cite}")
        if place.insee and place.insee in communes:
            lines.append(f"LAST\tP131\t{communes[place.insee]}{cite}")
        for website in place.websites[:1]:
            lines.append(f"LAST\tP856\t{qs_string(website)}{cite}")
        inception = qs_time(place.founding) if place.founding is not None else None
        if inception:
            lines.append(f"LAST\tP571\t{inception}{cite}")
        result.commands.extend(lines)
        result.created += 1
    return result
