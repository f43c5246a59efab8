"""The cleaning functions a mapping may call, by IRI (``tlfn:`` = ``https://w3id.org/tiers-lieux/fn#``).

In a YARRRML mapping a value goes through a function like this::

    - p: tl:website
      o:
        function: tlfn:url
        parameters:
          - [tlfn:value, $(WEB)]
        type: iri

the mapping engine (:mod:`.engine`) calls them where the mapping names them; the importer runs the very
same functions on each row first, to report problems with the row and field they come from.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from ..namespaces import INSEE_GEO
from . import cleaning, geo_fr, vocabulary
from .issues import CleaningIssue
from .text import slugify

FUNCTION_BASE = "https://w3id.org/tiers-lieux/fn#"


@dataclass(frozen=True)
class Function:
    """A cleaning function: its local name, the Python callable and its parameters (``tlfn:{name}`` each)."""

    name: str
    call: Callable[..., object]
    params: tuple[str, ...]

    @property
    def iri(self) -> str:
        """The function's IRI, ``https://w3id.org/tiers-lieux/fn#{name}``."""
        return FUNCTION_BASE + self.name

    def param_iri(self, param: str) -> str:
        """Return the IRI of one parameter, ``tlfn:{param}``."""
        return FUNCTION_BASE + param

    @property
    def required(self) -> tuple[str, ...]:
        """The parameters a mapping must give (those of the callable without a default)."""
        signature = inspect.signature(self.call)
        return tuple(name for name, p in signature.parameters.items() if p.default is inspect.Parameter.empty)


def _slug(value: str | None) -> str | None:
    cleaned = cleaning.text(value)
    return slugify(cleaned) if cleaned else None


def _commune(wrap: Callable[[str], str]) -> Callable[..., str]:
    def run(value=None, fallback=None, postcode=None, department=None, name=None):
        return wrap(geo_fr.commune_code(value, fallback, postcode, department, name))

    return run


#: ``name``: the commune's name, which with the postcode gives the code when the source has none
_COMMUNE_PARAMS = ("value", "fallback", "postcode", "department", "name")


FUNCTIONS: dict[str, Function] = {
    f.iri: f
    for f in (
        Function("text", lambda value: cleaning.text(value), ("value",)),
        Function("properName", lambda value: cleaning.proper_name(value), ("value",)),
        Function("slug", _slug, ("value",)),
        Function("url", lambda value: cleaning.url(value), ("value",)),
        Function("twitterHandle", lambda value: cleaning.twitter_handle(value), ("value",)),
        Function("twitterUrl", lambda value: cleaning.twitter_url(value), ("value",)),
        Function("facebookPage", lambda value: cleaning.facebook_page(value), ("value",)),
        Function("facebookUrl", lambda value: cleaning.facebook_url(value), ("value",)),
        Function("latitude", lambda value: cleaning.latitude(value), ("value",)),
        Function("longitude", lambda value: cleaning.longitude(value), ("value",)),
        Function("wktPoint", lambda longitude, latitude: cleaning.wkt_point(longitude, latitude), ("longitude", "latitude")),
        Function("precision", lambda value: cleaning.precision(value), ("value",)),
        Function("boolean", lambda value: cleaning.boolean(value), ("value",)),
        Function("postcode", lambda value, country=None: cleaning.postcode(value, country), ("value", "country")),
        Function("communeCode", _commune(lambda code: code), _COMMUNE_PARAMS),
        Function("inseeCommuneIri", _commune(lambda code: f"{INSEE_GEO}commune/{code}"), _COMMUNE_PARAMS),
        Function(
            "communeName",
            lambda value=None, fallback=None, postcode=None, department=None, name=None, fallbackName=None, initialName=None,
            byName=None: (geo_fr.commune_name(value, fallback, postcode, department, name, fallbackName, initialName, byName)),
            ("value", "fallback", "postcode", "department", "name", "fallbackName", "initialName", "byName"),
        ),
        Function("kinds", lambda value, table, separator=None: vocabulary.kinds(value, table, separator), ("value", "table", "separator")),
        Function("classes", lambda value, table, separator=None: vocabulary.classes(value, table, separator), ("value", "table", "separator")),
        Function("kindsFromName", lambda value, table=None: vocabulary.kinds_from_name(value, table), ("value", "table")),
        Function("classesFromName", lambda value, table=None: vocabulary.classes_from_name(value, table), ("value", "table")),
    )
}


def function(iri: str) -> Function:
    """Return the cleaning function with this IRI; a KeyError names the known ones."""
    try:
        return FUNCTIONS[iri]
    except KeyError:
        known = ", ".join(sorted(f.name for f in FUNCTIONS.values()))
        raise KeyError(f"unknown function {iri!r}; the tlfn: functions are: {known}") from None


def call_quietly(fn: Function, **kwargs: object) -> object:
    """Call a cleaning function inside the mapping: a value it refuses becomes None (no triple)."""
    try:
        return fn.call(**kwargs)
    except CleaningIssue:
        return None
