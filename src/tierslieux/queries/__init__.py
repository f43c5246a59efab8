"""The named queries of ``queries/``: their headers (:mod:`.named`) and their typed parameters (:mod:`.parameters`)."""
