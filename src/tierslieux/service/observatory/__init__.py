"""The observatory (``/observatory``): figures about the places as charts drawn on the server as SVG.

:mod:`.charts` says what each chart shows and which SPARQL makes it,
:mod:`.svg` draws bars, columns and a timeline, and :mod:`.page` is the
blueprint. Every chart links to its data as CSV and to its SPARQL on the
query page, so a reader can check and reuse what a chart says.
"""
