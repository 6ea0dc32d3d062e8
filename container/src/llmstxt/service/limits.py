"""A request body size limit that answers in the service's JSON error shape."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llmstxt.service.errors import ApiError, error_body


def too_large(limit: int) -> ApiError:
    """The 413 for a body over the limit."""
    return ApiError(413, "payload_too_large", f"the request body is over {limit} bytes")


class BodyLimit:
    """Refuse bodies over `limit` bytes: by Content-Length up front, by counting otherwise."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count what actually arrives."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            """Receive, counting body bytes; answer 413 once past the limit."""
            nonlocal seen, refused
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit and not refused:
                refused = True
                await self._refuse(send)
                return {"type": "http.disconnect"}  # the app stops reading; we answered
            return message

        async def guarded_send(message: Message) -> None:
            """Send, unless our 413 already went out."""
            if not refused:  # after our 413 nothing the app sends may reach the client
                await send(message)

        await self.app(scope, counted, guarded_send)

    async def _refuse(self, send: Send) -> None:
        """Send the 413 without reading the body."""
        error = too_large(self.limit)
        body = json.dumps(error_body(error.code, error.message)).encode()
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
