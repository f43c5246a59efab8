"""The places, for people and programs that do not write SPARQL: filters, the places API and its OpenAPI description.

:mod:`.filters` reads the filters of a request (the same for the API, the
explorer and the embedded map), :mod:`.query` turns them into two SPARQL
queries (one for a page of places with the total, one for the facet counts)
run on the current store, :mod:`.render` writes the answers as GeoJSON, CSV,
JSON-LD or JSON, and :mod:`.api` is the ``/api`` blueprint.
"""
