"""Chains: separate places that belong to one network (La Cordée, Mutinerie…), found by a documented rule.

Places form a network when at least two of them share a website domain (platforms such as
facebook.com excepted) and their names begin with the same words; the network is named by those
words. Names made only of generic words ("Coworking", "FabLab") name no network. A place without a
website whose name begins with the network's name joins it too (docs/census.md, "Networks").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from .cleaning import proper_name
from .records import Place, website_domain
from .text import words

#: Domains many unrelated places use: sharing one says nothing about a chain.
PLATFORMS = {
    "facebook.com", "fb.me", "on.fb.me", "twitter.com", "linkedin.com", "google.com", "sites.google.com",
    "goo.gl", "wordpress.com", "blogspot.com", "blogspot.fr", "wixsite.com", "tumblr.com", "over-blog.com",
    "jimdo.com", "e-monsite.com", "meetup.com", "free.fr", "wanadoo.fr", "orange.fr", "fablabs.io",
    "coworking-france.com", "neo-nomade.com", "bureauxapartager.com",
}
_ARTICLES = {"le", "la", "les", "l", "the"}
#: Words that name a kind of place, not a chain: "Coworking …" or "FabLab …" places share no network.
_GENERIC = _ARTICLES | {"coworking", "cowork", "fablab", "fab", "lab", "labfab", "espace", "tiers", "lieu", "lieux",
                        "atelier", "ateliers", "maison", "pole", "centre", "hub", "de", "du", "des", "d"}


@dataclass
class Network:
    """A network found among the imported places: its name and its member places' final IRIs."""

    name: str
    domain: str | None
    members: list[URIRef] = field(default_factory=list)


def _registered(domain: str) -> str:
    parts = domain.split(".")
    return ".".join(parts[-2:]) if len(parts) >= 2 else domain


def _common_prefix(names: list[str]) -> int:
    """Return how many leading words (as written, split at spaces) all ``names`` share, trailing articles dropped."""
    split = [[words(token) for token in n.split()] for n in names]
    count = 0
    for column in zip(*split):
        if len(set(column)) != 1 or not column[0]:
            break
        count += 1
    while count and split[0][count - 1] in _ARTICLES:
        count -= 1
    return count


def find_networks(places: list[tuple[Place, URIRef]]) -> list[Network]:
    """Return the networks among ``places`` (each a place and its final IRI), sorted by name."""
    by_domain: dict[str, list[tuple[Place, URIRef]]] = {}
    for place, iri in places:
        domain = website_domain(place.website)
        if domain and _registered(domain) not in PLATFORMS and domain not in PLATFORMS:
            by_domain.setdefault(_registered(domain), []).append((place, iri))
    networks: dict[str, Network] = {}
    for domain, members in sorted(by_domain.items()):
        iris = sorted({iri for _, iri in members}, key=str)
        if len(iris) < 2:
            continue
        count = _common_prefix([p.name for p, _ in members])
        first = min(members, key=lambda m: m[0].order)[0]
        name = proper_name(" ".join(first.name.split()[:count]).strip(" -–,:")) or ""
        key = words(name)
        if not key or set(key.split()) <= _GENERIC:
            continue
        network = networks.setdefault(key, Network(name, domain))
        network.members.extend(i for i in iris if i not in network.members)
    for key, network in networks.items():
        for place, iri in places:
            if place.website is None and iri not in network.members and (words(place.name) + " ").startswith(key + " "):
                network.members.append(iri)
    for network in networks.values():
        network.members.sort(key=str)
    return sorted(networks.values(), key=lambda n: words(n.name))
