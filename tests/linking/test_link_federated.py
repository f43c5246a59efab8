"""The federated named queries of queries/federated/: headers, the service's allow-list, and the join itself.

The join runs on pyoxigraph over our fixture places and the links the linker makes, calling the
Wikidata-shaped fixture served over HTTP: the queries' Wikidata IRI is the only thing replaced.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pyoxigraph as ox
import pytest

from tierslieux import namespaces
from tierslieux.linking.config import configured_endpoint
from tierslieux.linking.pipeline import link_places
from tierslieux.paths import QUERIES_DIR
from tierslieux.queries.named import load_named_queries
from tierslieux.queries.parameters import bind_parameters, substitutions
from tierslieux.service import DEFAULTS, guard

from .servers import PLACES, make_client

FEDERATED = load_named_queries(QUERIES_DIR / "federated")
WIKIDATA = "https://query.wikidata.org/sparql"


def test_there_are_two_federated_queries_with_complete_headers():
    assert sorted(FEDERATED) == ["communes-population", "linked-places-on-wikidata"]
    for query in FEDERATED.values():
        assert len(query.title) >= 10 and len(query.description) >= 40
        assert f"SERVICE <{WIKIDATA}>" in query.text
        for prefix, iri in re.findall(r"PREFIX\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>", query.text):
            assert namespaces.PREFIXES.get(prefix) == iri
        for parameter in query.parameters:
            assert parameter.default is not None and re.search(rf"\?{parameter.name}\b", query.text)


def test_the_service_allows_the_configured_wikidata_endpoint_and_nothing_else():
    assert configured_endpoint() == WIKIDATA
    assert DEFAULTS["SERVICE_ALLOWLIST"] == [WIKIDATA]
    for query in FEDERATED.values():
        guard.check(query.text, is_update=False, allowlist=DEFAULTS["SERVICE_ALLOWLIST"])
        elsewhere = query.text.replace(WIKIDATA, "http://127.0.0.1:9/sparql")
        with pytest.raises(guard.Refused, match=rf"SERVICE <http://127.0.0.1:9/sparql> is not allowed: this service may only call these endpoints: {WIKIDATA}\."):
            guard.check(elsewhere, is_update=False, allowlist=DEFAULTS["SERVICE_ALLOWLIST"])


@pytest.fixture
def our_graph(places, link_config, links_dir, tmp_path):
    """Our fixture places and the links the linker found for them, in a pyoxigraph store."""
    client = make_client(link_config.endpoint, tmp_path / "cache", link_config)
    link_places(places, config=link_config, client=client, links_dir=links_dir, today=date(2026, 1, 31), progress=False)
    store = ox.Store()
    store.load(path=str(PLACES), format=ox.RdfFormat.TURTLE)
    store.load(path=str(links_dir / "wikidata.ttl"), format=ox.RdfFormat.TURTLE)
    return store


def run(store: ox.Store, name: str, endpoint: str, **params) -> list[dict[str, str]]:
    query = FEDERATED[name]
    text = query.text.replace(f"<{WIKIDATA}>", f"<{endpoint}>")
    bound = bind_parameters(query, params)
    solutions = store.query(text, substitutions=substitutions(bound))
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


@pytest.mark.slow
def test_communes_with_their_population(our_graph, proxy_factory):
    proxy = proxy_factory()
    rows = run(our_graph, "communes-population", proxy.endpoint, min="1")
    by_code = {row["insee"]: row for row in rows}
    nantes = by_code["44109"]
    assert (nantes["name"], nantes["places"], nantes["population"]) == ("Nantes", "1", "298029")
    assert Decimal(nantes["perTenThousand"]) == Decimal("0.03")
    assert "75110" not in by_code, "an arrondissement has no population of its own in the fixture"
    # The engine sent the SERVICE block once, as it is: selective on its own.
    [sent] = proxy.queries
    assert b"P374" in sent.body and b"P1082" in sent.body


@pytest.mark.slow
def test_linked_places_with_their_inception(our_graph, wikidata_endpoint):
    rows = run(our_graph, "linked-places-on-wikidata", wikidata_endpoint)
    assert rows == [
        {
            "kind": "https://w3id.org/tiers-lieux/vocab/place-kind/coworking",
            "place": "https://w3id.org/tiers-lieux/id/place/cowork-in-grenoble-grenoble",
            "name": "Cowork In Grenoble",
            "item": "http://www.wikidata.org/entity/Q900001003",
            "inception": "2014-01-01T00:00:00Z",
        }
    ]
