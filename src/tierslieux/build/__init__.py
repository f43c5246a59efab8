"""Sources to a release: read the source files (:mod:`.sources`), merge and dump them (:mod:`.dumps`), write the store and publish (:mod:`.builder`).

:mod:`.generate` writes synthetic sources of any size for the benchmark and the scale tests.
"""
