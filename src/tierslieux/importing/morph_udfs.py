"""Register the ``tlfn:`` cleaning functions with morph-kgc (this file is its ``udfs`` setting).

morph-kgc executes this file with its ``udf`` decorator already defined; importing it as a
plain module (for tests or documentation) is harmless.
"""

from tierslieux.importing.functions import FUNCTIONS, call_quietly

try:
    udf  # noqa: B018 - defined by morph-kgc before it executes this file
except NameError:  # imported normally, outside morph-kgc

    def udf(fun_id, **params):  # noqa: D103 - a stand-in with morph-kgc's signature
        return lambda call: call


def _escape(value):
    # morph-kgc 2.10 does not escape the literals functions return (it escapes another column):
    # we do, as N-Triples requires. IRIs our functions return never hold these characters.
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, list):  # an empty list would become "nan" once morph-kgc explodes it
        return [_escape(v) for v in value] or None
    return value


def _register(fn):
    def run(**kwargs):
        return _escape(call_quietly(fn, **kwargs))

    udf(fun_id=fn.iri, **{param: fn.param_iri(param) for param in fn.params})(run)


for _fn in FUNCTIONS.values():
    _register(_fn)
