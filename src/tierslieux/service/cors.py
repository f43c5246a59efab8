"""Cross-origin reads: any web page may query the service (CORS), but never with credentials."""

from __future__ import annotations

from flask import Flask, Response, request

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Accept, Content-Type, Authorization"
EXPOSED_HEADERS = "Content-Type, Content-Length, ETag, Last-Modified, X-Result-Rows"


def add_cors_headers(response: Response) -> Response:
    """Allow any origin to read the response; answer a preflight with the methods and headers allowed."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        # The fixed list, never the requested headers echoed back: a preflight grants only what the service reads.
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def init_app(app: Flask) -> None:
    """Add CORS headers to every response of ``app``."""
    app.after_request(add_cors_headers)
