"""Comparable forms of names and websites, and how alike two names are.

Names are compared after folding (case, accents, ligatures, punctuation), with
articles, prepositions and generic words dropped (``L'Espace du Coin`` and
``Coin`` are one name), common abbreviations expanded (``St`` → ``saint``) and
words written together or apart made equal (``Fab Lab`` / ``FabLab``,
``Cent Sept`` / ``Centsept``). Generic words that name a kind of place
(``coworking``, ``fablab``…) are dropped only when something else is left,
so ``Espace Coworking`` still has a name.
"""

from __future__ import annotations

import math
import re
import unicodedata
from urllib.parse import urlsplit

from rapidfuzz import fuzz

#: Articles, prepositions and the movement's own words: say nothing about which place it is.
STOP_WORDS = frozenset(
    [
        *("la", "le", "les", "l", "un", "une", "des", "de", "du", "d", "et", "a", "au", "aux", "en", "sur", "sous"),
        *("pour", "par", "chez", "the", "of", "and"),
        *("espace", "espaces", "tiers", "lieu", "lieux", "tierslieu", "tierslieux"),
    ]
)
#: Generic words of the movement: dropped when anything else is left.
GENERIC_WORDS = frozenset(
    [
        *("association", "asso"),
        *("coworking", "cowork", "fablab", "fab", "lab", "makerspace", "hackerspace", "atelier", "ateliers"),
    ]
)
#: Abbreviations as spreadsheets write them, and the word they stand for.
ABBREVIATIONS = {
    "st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "asso": "association",
    "assoc": "association", "cie": "compagnie", "bd": "boulevard", "av": "avenue", "fr": "france",
}

#: Similarity of a name of two or more words found, in order, inside a longer one.
SUBSEQUENCE = 0.9
#: Factor on the similarity of two names whose numbers differ.
NUMBER_MISMATCH = 0.8
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
#: Hosts shared by many unrelated places (and link shorteners): the same host says nothing, only the same page does.
SHARED_HOSTS = frozenset(
    ["facebook.com", "fr-fr.facebook.com", "m.facebook.com", "instagram.com", "twitter.com", "x.com", "linkedin.com",
     "sites.google.com", "google.com", "wixsite.com", "wordpress.com", "blogspot.com", "over-blog.com", "free.fr",
     "wikipedia.org", "fr.wikipedia.org", "youtube.com", "meetup.com", "helloasso.com", "github.com", "bit.ly",
     "goo.gl", "tinyurl.com"]
)


def fold(text: str) -> str:
    """Lower-case ``text``, drop accents and ligatures, and turn every run of punctuation into one space."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_ALNUM.sub(" ", plain).strip()


def words(text: str) -> list[str]:
    """Return the folded words of ``text`` with abbreviations expanded."""
    return [ABBREVIATIONS.get(w, w) for w in fold(text).split()]


def name_tokens(name: str) -> list[str]:
    """Return the distinctive words of a name: folded, without stop words and, if anything is left, generic words."""
    every = words(name)
    meaningful = [w for w in every if w not in STOP_WORDS]
    distinctive = [w for w in meaningful if w not in GENERIC_WORDS]
    return distinctive or meaningful or every


def name_key(name: str) -> str:
    """Return the comparable form of a name, its distinctive words (``"L'Atelier du Coin"`` → ``"coin"``)."""
    return " ".join(name_tokens(name))


def compact_key(name: str, commune: str | None = None) -> str:
    """Return a name's key with its words written together, the commune's name at its end dropped.

    A leading article is dropped and so is the commune's name at the end, with the
    preposition before it (``La Cordée à Morez`` in Morez → ``cordee``; ``Le Centsept``
    and ``Le Cent Sept`` → ``centsept``). Used to merge and match records that
    bear the same name written differently.
    """
    folded = words(name)
    if folded and folded[0] in ("le", "la", "les", "l", "the") and len(folded) > 1:
        folded = folded[1:]
    if commune:
        town = words(commune)
        if town and len(folded) > len(town) and folded[-len(town):] == town:
            folded = folded[: -len(town)]
            while len(folded) > 1 and folded[-1] in ("a", "au", "aux", "de", "du", "d", "en", "sur"):
                folded = folded[:-1]
    return "".join(folded)


def name_similarity(ours: str, theirs: str) -> float:
    """Return how alike two names are, in [0, 1], insensitive to case, accents, punctuation, articles and spacing.

    1 for the same distinctive words (in any order, or written together); else the
    best of an edit-distance ratio on the words sorted and written together, and a
    containment score (every word of the shorter name in the longer one) that
    grows with the share of the longer name covered, or is 0.9 when a shorter
    name of two words or more is found in order in the longer one (a brand and
    its site: one word, such as a chain's name, is not enough). Names whose
    numbers differ get 0.8 of that.
    """
    return similarity_of_tokens(name_tokens(ours), name_tokens(theirs))


def similarity_of_tokens(a: list[str], b: list[str]) -> float:
    """:func:`name_similarity` on names already split into distinctive words."""
    if not a or not b:
        return 0.0
    joined_a, joined_b = "".join(a), "".join(b)
    if joined_a == joined_b or sorted(a) == sorted(b):
        return 1.0
    ordered = fuzz.ratio(" ".join(sorted(a)), " ".join(sorted(b))) / 100.0
    compact = fuzz.ratio(joined_a, joined_b) / 100.0
    small, large = sorted((set(a), set(b)), key=len)
    contained = 0.85 * math.sqrt(len(small) / len(large)) if small < large else 0.0
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 2 and _in_order(shorter, longer):
        contained = max(contained, SUBSEQUENCE)  # "EasyWork by Mercure" in "EasyWork by Mercure Paris Montmartre"
    best = max(ordered, compact, contained)
    # Numbers tell places apart ("Coworking 23" and "Coworking 24", "Mutinerie" and "Mutinerie 14").
    if {w for w in a if w.isdigit()} != {w for w in b if w.isdigit()}:
        best *= NUMBER_MISMATCH
    return round(best, 4)


def _in_order(shorter: list[str], longer: list[str]) -> bool:
    """Whether every word of ``shorter`` appears in ``longer``, in the same order."""
    remaining = iter(longer)
    return all(word in remaining for word in shorter)


def website_key(url: str) -> str:
    """Return a website without scheme, ``www.``, query, fragment or trailing slash, lower-cased."""
    text = url.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = re.sub(r"[?#].*$", "", text)
    text = re.sub(r"^www\.", "", text)
    return text.rstrip("/")


def website_host(url: str) -> str:
    """Return a website's host without ``www.`` (``http://www.la-cordee.net/x`` → ``la-cordee.net``)."""
    key = website_key(url)
    host = urlsplit("//" + key).hostname or key.split("/", 1)[0]
    return host.removeprefix("www.")


def website_keys(urls) -> frozenset[str]:
    """Return the comparable forms (:func:`website_key`) of some websites."""
    return frozenset(website_key(u) for u in urls if u and u.strip())


def website_similarity(ours, theirs) -> float | None:
    """Compare two sets of websites: 1 same site, 0.5 same host, -1 contradiction, None when unknown.

    Different hosts are a contradiction (each side names its own official site);
    on a host many places share (Facebook, a blog platform), only the same page
    counts, and different pages are no evidence either way (0).
    """
    return keys_similarity(website_keys(ours), website_keys(theirs))


def keys_similarity(a: frozenset[str], b: frozenset[str]) -> float | None:
    """:func:`website_similarity` on websites already in comparable form."""
    if not a or not b:
        return None
    if a & b:
        return 1.0
    hosts_a = {website_host(u) for u in a}
    hosts_b = {website_host(u) for u in b}
    common = hosts_a & hosts_b
    if common - SHARED_HOSTS:
        return 0.5
    # A missing slash glues the host to the path ("la-cordee.netla-cordee-opera"): the same host, written badly.
    if any(x.startswith(h) for x in a for h in hosts_b - SHARED_HOSTS) or any(
        x.startswith(h) for x in b for h in hosts_a - SHARED_HOSTS
    ):
        return 0.5
    if common or (hosts_a | hosts_b) <= SHARED_HOSTS or hosts_a <= SHARED_HOSTS or hosts_b <= SHARED_HOSTS:
        return 0.0
    return -1.0
