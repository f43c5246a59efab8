"""The test suite of the tiers-lieux knowledge graph."""
