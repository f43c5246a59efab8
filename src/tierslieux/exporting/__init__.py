"""Exports of the graph for other tools: RDF syntaxes, compact JSON-LD, GeoJSON and CSV of places.

``tierslieux export --format F`` (``commands/export.py``) selects what to export with
:func:`~.selection.select` and writes it with the writer of :data:`~.formats.FORMATS`.
"""
