"""The linker is a good citizen of Wikidata: tested over real HTTP, through a proxy that misbehaves on purpose."""

from __future__ import annotations

import threading
import time

import pytest

from tierslieux import __version__
from tierslieux.linking.capability import choose_search
from tierslieux.linking.client import SparqlError
from tierslieux.linking.config import ENTITY_SEARCH, LABEL_QUERY
from tierslieux.linking.pipeline import link_places

from .servers import make_client

pytestmark = pytest.mark.slow

# How many items are directly instances of the fixture's fab lab class (four).
COUNT = (
    "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?class { <http://www.wikidata.org/entity/Q900000001> } "
    "?item <http://www.wikidata.org/prop/direct/P31> ?class }"
)


def test_429_is_honoured_with_its_retry_after(proxy_factory, link_config):
    proxy = proxy_factory(faults=["429"], retry_after="1")
    client = make_client(proxy.endpoint, None, link_config)
    rows = client.select(COUNT)
    assert rows[0]["n"]["value"] == "4"
    first, second = proxy.queries
    assert first.answered == "429" and second.answered == "ok"
    assert second.at - first.at >= 1.0, "the retry came before Retry-After had passed"
    assert client.stats.retries == 1 and client.stats.waited_seconds == 1.0


def test_a_retry_after_beyond_reason_stops_the_run_with_a_clear_message(proxy_factory, link_config):
    proxy = proxy_factory(faults=["429"], retry_after="86400")
    client = make_client(proxy.endpoint, None, link_config)
    with pytest.raises(SparqlError, match=r"too many requests, and the endpoint asks to wait 86400 s; try again later"):
        client.select(COUNT)
    assert len(proxy.queries) == 1


def test_retry_after_as_an_http_date(proxy_factory, link_config):
    later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 300))
    proxy = proxy_factory(faults=["429"], retry_after=later)
    waits: list[float] = []
    client = make_client(proxy.endpoint, None, link_config, sleep=waits.append)  # the wait is recorded, not slept
    assert client.select(COUNT)[0]["n"]["value"] == "4"
    assert client.stats.retries == 1 and len(waits) == 1
    assert 240 < waits[0] <= 300  # the date is to the second, and the request may come late on a loaded machine


def test_a_retry_after_in_days_as_an_http_date_stops_the_run_too(proxy_factory, link_config):
    tomorrow = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 86400))
    proxy = proxy_factory(faults=["429"], retry_after=tomorrow)
    client = make_client(proxy.endpoint, None, link_config)
    with pytest.raises(SparqlError, match=r"too many requests, and the endpoint asks to wait \d+ s; try again later"):
        client.select(COUNT)
    assert len(proxy.queries) == 1


def test_a_truncated_answer_is_asked_again(proxy_factory, link_config):
    proxy = proxy_factory(faults=["truncated"])
    client = make_client(proxy.endpoint, None, link_config)
    assert client.select(COUNT)[0]["n"]["value"] == "4"
    assert [q.answered for q in proxy.queries] == ["truncated", "ok"]


def test_answers_that_stay_truncated_end_in_an_error_that_says_so(proxy_factory, link_config):
    proxy = proxy_factory(faults=["truncated"] * 3)
    client = make_client(proxy.endpoint, None, link_config, max_retries=2)
    with pytest.raises(SparqlError, match=r"gave up after 3 attempts; last: a truncated or malformed answer \(\d+ bytes"):
        client.select(COUNT)


def test_5xx_backs_off_exponentially(proxy_factory, link_config):
    proxy = proxy_factory(faults=["503", "503"])
    client = make_client(proxy.endpoint, None, link_config)
    client.select(COUNT)
    times = [q.at for q in proxy.queries]
    assert [q.answered for q in proxy.queries] == ["503", "503", "ok"]
    assert times[1] - times[0] >= link_config.backoff_seconds
    assert times[2] - times[1] >= 2 * link_config.backoff_seconds


def test_a_refused_query_is_not_retried(proxy_factory, link_config):
    proxy = proxy_factory()
    client = make_client(proxy.endpoint, None, link_config)
    with pytest.raises(SparqlError, match=r"the query was refused"):
        client.select("SELECT * WHERE { this is not SPARQL }")
    assert len(proxy.queries) == 1


def test_requests_name_the_project_and_are_posted_forms_with_values(proxy_factory, link_config):
    proxy = proxy_factory()
    client = make_client(proxy.endpoint, None, link_config)
    client.select(COUNT)
    [seen] = proxy.queries
    assert seen.user_agent.startswith(f"tierslieux/{__version__} (tests@tiers-lieux.invalid;")
    assert "python-requests/" in seen.user_agent
    assert seen.content_type.startswith("application/x-www-form-urlencoded")
    assert seen.body.startswith(b"query=") and b"VALUES" in seen.body


def test_one_request_at_a_time_even_from_several_threads(proxy_factory, link_config):
    proxy = proxy_factory()
    clients = [make_client(proxy.endpoint, None, link_config) for _ in range(4)]
    threads = [threading.Thread(target=c.select, args=(COUNT,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(proxy.queries) == 4
    assert proxy.most_in_flight == 1


def test_an_interrupted_run_resumes_without_asking_again(proxy_factory, link_config, places, links_dir, tmp_path):
    proxy = proxy_factory(faults=["ok"] * 6 + ["503"] * 3)
    cache = tmp_path / "cache"
    client = make_client(proxy.endpoint, cache, link_config, max_retries=2)
    with pytest.raises(SparqlError, match=r"gave up after 3 attempts; last: HTTP 503"):
        link_places(places, config=link_config, client=client, links_dir=links_dir, progress=False)
    assert not (links_dir / "wikidata.ttl").exists(), "an interrupted run must not leave half its results"
    asked_before = len(proxy.queries)
    resumed = make_client(proxy.endpoint, cache, link_config)
    report = link_places(places, config=link_config, client=resumed, links_dir=links_dir, progress=False)
    assert report.count("accept") == 21
    # The service description and the five searches answered before the failure come from the cache; the
    # sixth answered query, the classes' resolution, is not even looked up: classes.json holds it, dated.
    assert resumed.stats.cache_hits == 6
    assert len(proxy.queries) - asked_before == resumed.stats.requests
    assert all(q.answered == "ok" for q in proxy.queries[asked_before:])


def test_capability_from_configuration_asks_nothing(proxy_factory, link_config):
    proxy = proxy_factory()
    client = make_client(proxy.endpoint, None, link_config)
    from dataclasses import replace

    configured = replace(link_config, entity_search_endpoints=(proxy.endpoint,))
    mode, why = choose_search(client, configured)
    assert mode == ENTITY_SEARCH and "entity_search of the configuration" in why
    assert proxy.seen == []


def test_capability_from_the_service_description(proxy_factory, link_config, wikidata_endpoint):
    declaring = proxy_factory(
        description=(
            (
                b"@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .\n"
                b"[] a sd:Service ; sd:feature <http://wikiba.se/ontology#mwapi> .\n"
            ),
            "text/turtle",
        )
    )
    mode, why = choose_search(make_client(declaring.endpoint, None, link_config), link_config)
    assert mode == ENTITY_SEARCH and "service description declares wikibase:mwapi" in why
    assert [s.method for s in declaring.seen] == ["GET"], "the capability is read, not tried with a query"
    # Oxigraph describes itself too, without the MediaWiki API service: the portable query is chosen.
    mode, why = choose_search(make_client(wikidata_endpoint, None, link_config), link_config)
    assert mode == LABEL_QUERY and "does not declare wikibase:mwapi" in why


def test_entity_search_queries_bind_every_name_variant():
    from tierslieux.linking.candidates import _entity_search_query, name_variants
    from tierslieux.linking.places import Place

    place = Place("https://w3id.org/tiers-lieux/id/place/x", ("La Cordée", "L'Atelier"))
    assert name_variants(place) == ["La Cordée", "Cordée", "L'Atelier", "Atelier"]
    query = _entity_search_query([("0", v) for v in name_variants(place)])
    assert "SERVICE wikibase:mwapi" in query and 'wikibase:api "EntitySearch"' in query
    assert 'VALUES (?key ?name) { ("0" "La Cordée") ("0" "Cordée") ("0" "L\'Atelier") ("0" "Atelier") }' in query
