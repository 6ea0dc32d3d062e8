"""HTTP errors of the service and the translation of llmstxt errors to JSON `{"error": {...}}`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from llmstxt.errors import BlockedAddress, CrawlError, InputError, StoreError


class ApiError(Exception):
    """An error answered as `{"error": {"code", "message"}}` with an HTTP status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.details = details


# How each error of the llmstxt tree is answered at the HTTP edge.
_STATUS: list[tuple[type[Exception], int, str]] = [
    (InputError, 422, "invalid_input"),
    (BlockedAddress, 422, "blocked_address"),
    (CrawlError, 422, "crawl_failed"),
    (StoreError, 503, "store_unavailable"),
]


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> Any:
    """The JSON body of an error."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def from_llmstxt(exc: Exception) -> ApiError:
    """The ApiError an llmstxt error becomes."""
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return ApiError(status, code, str(exc))
    return ApiError(500, "internal_error", "internal error")


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "too_many_requests",
}


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error, ours or FastAPI's, in the one JSON shape."""

    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        """An ApiError as JSON."""
        assert isinstance(exc, ApiError)
        body = error_body(exc.code, exc.message, exc.details)
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    async def llmstxt_error(request: Request, exc: Exception) -> JSONResponse:
        """An llmstxt error, translated."""
        return await api_error(request, from_llmstxt(exc))

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        """A 422 naming the first bad field, with every problem in details."""
        assert isinstance(exc, RequestValidationError)
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"][1:]) or "request"
        message = f"{where}: {first['msg']}"
        return JSONResponse(error_body("invalid_request", message, details), status_code=422)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        """Starlette's HTTP errors (404, 405, ...) in the same shape."""
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(InputError, llmstxt_error)
    app.add_exception_handler(BlockedAddress, llmstxt_error)
    app.add_exception_handler(CrawlError, llmstxt_error)
    app.add_exception_handler(StoreError, llmstxt_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
