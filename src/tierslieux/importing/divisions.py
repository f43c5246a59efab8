"""Departments and regions: every commune an import names is linked to its department and region.

The names come from the reviewed tables in ``mappings/reference/``; each division is also linked to
INSEE's own identifier (``http://id.insee.fr/geo/departement/{code}``, ``…/region/{code}``).
A commune needs no link to a curated twin: every source names a French commune
``…/id/commune/{INSEE code}`` (``docs/conventions.md``), so the curated and imported descriptions
already share one IRI.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ..namespaces import INSEE_GEO, TL, resource_iri
from .geo_fr import department_of_commune, department_of_postcode, departments, regions
from .issues import WARNING, IssueLog


def _division(graph: Graph, kind: str, code: str, cls: URIRef, name_fr: str, name_en: str, insee: str) -> URIRef:
    iri = resource_iri(kind, code)
    graph.add((iri, RDF.type, cls))
    graph.add((iri, RDFS.label, Literal(name_fr, lang="fr")))
    graph.add((iri, RDFS.label, Literal(name_en, lang="en")))
    graph.add((iri, TL.inseeCode, Literal(code)))
    graph.add((iri, SKOS.exactMatch, URIRef(f"{INSEE_GEO}{insee}/{code}")))
    return iri


def add_divisions(graph: Graph, log: IssueLog) -> None:
    """Add to ``graph`` the department and region of each commune (and of each place without one)."""
    known_departments, known_regions = departments(), regions()
    used: set[str] = set()
    for commune in sorted(set(graph.subjects(RDF.type, TL.Commune)), key=str):
        code = graph.value(commune, TL.inseeCode)
        if code is None:
            continue
        department = department_of_commune(str(code))
        if department in known_departments:
            graph.add((commune, TL.department, resource_iri("department", department)))
            used.add(department)
        else:
            log.add(WARNING, f"commune {code}: department {department} is not in mappings/reference/departments.csv")
    for place in sorted(set(graph.subjects(RDF.type, TL.ThirdPlace)), key=str):
        if graph.value(place, TL.locality) is not None:
            continue
        for address in graph.objects(place, TL.address):
            department = department_of_postcode(str(graph.value(address, TL.postalCode) or "") or None)
            if department in known_departments:
                graph.add((place, TL.department, resource_iri("department", department)))
                used.add(department)
    for code in sorted(used):
        info = known_departments[code]
        iri = _division(graph, "department", code, TL.Department, info.name_fr, info.name_en, "departement")
        region = known_regions[info.region]
        graph.add((iri, TL.region, _division(graph, "region", region.code, TL.Region, region.name_fr, region.name_en, "region")))
