"""Linking our places to Wikidata: find candidates, score them, have a person review the doubtful ones,
publish the links with their provenance, and tell Wikidata about the places it lacks.

See docs/linking.md. Modules: :mod:`.config` (settings), :mod:`.places` (our places),
:mod:`.client` (polite SPARQL client), :mod:`.capability` (which search),
:mod:`.classes` (kind → Wikidata class), :mod:`.candidates` (search and details),
:mod:`.matches` (score and decide, through :mod:`tierslieux.matching`), :mod:`.linkstore` (files of data/links/),
:mod:`.review` (the review queue), :mod:`.pipeline` (a whole run) and
:mod:`.quickstatements` (new items).
"""
