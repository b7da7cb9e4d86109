"""Errors in Linear's shape: ``errors[].extensions`` with ``type``, ``code`` and
``userPresentableMessage`` (what @linear/sdk reads to pick its error class)."""

from __future__ import annotations

from typing import Any


class LinearError(Exception):
    """An error the clone answers with, as Linear words it."""

    type = "invalid input"
    code = "INVALID_INPUT"
    status = 400

    def __init__(self, message: str, presentable: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.presentable = presentable or message

    def extensions(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "code": self.code,
            "statusCode": self.status,
            "userError": self.status < 500,
            "userPresentableMessage": self.presentable,
        }

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "extensions": self.extensions()}


class InvalidInput(LinearError):
    """Arguments Linear would refuse (bad values, unknown filters, bad cursors)."""


class NotFound(LinearError):
    """An id that names nothing: Linear's ``Entity not found: <Type>``."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"Entity not found: {kind}", f"Could not find referenced {kind}.")


class AuthenticationError(LinearError):
    type = "authentication error"
    code = "AUTHENTICATION_ERROR"

    def __init__(self) -> None:
        super().__init__(
            "Authentication required, not authenticated",
            "You need to authenticate to access this operation.",
        )


class Forbidden(LinearError):
    type = "forbidden"
    code = "FORBIDDEN"
    status = 403


class GraphQLSyntaxError(LinearError):
    """A document that does not parse or validate against the served schema."""

    type = "graphql error"
    code = "GRAPHQL_VALIDATION_FAILED"


class QueryTooComplex(LinearError):
    type = "invalid input"
    code = "QUERY_TOO_COMPLEX"


class RequestTooLarge(LinearError):
    type = "invalid input"
    code = "REQUEST_TOO_LARGE"
    status = 413


class InternalError(LinearError):
    type = "internal error"
    code = "INTERNAL_SERVER_ERROR"
    status = 500

    def __init__(self) -> None:
        super().__init__("Internal server error", "Something went wrong on the clone's side.")
