"""Expected results of the named queries (see expected.py)."""
