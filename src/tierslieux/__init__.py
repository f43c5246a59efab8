"""The tiers-lieux knowledge graph: ontology, shapes, data, build and SPARQL service."""

__version__ = "0.1.0"
