"""Domain errors: services raise these; adapters turn them into localized messages."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """Base of every error a service raises on purpose. `code` names the message id."""

    code = "error"

    def __init__(self, detail: str = "", **params: object) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.params = params


class ConfigurationError(DomainError):
    code = "configuration"

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}", variable=variable)
        self.variable = variable
        self.message = message


class PermissionDenied(DomainError):
    code = "permission_denied"


class NotFound(DomainError):
    code = "not_found"


class AlreadyExists(DomainError):
    code = "already_exists"


class InvalidInput(DomainError):
    code = "invalid_input"


class InvalidIdNumber(InvalidInput):
    code = "invalid_id_number"


class InvalidPhone(InvalidInput):
    code = "invalid_phone"


class InvitationInvalid(DomainError):
    code = "invitation_invalid"


class InvalidToken(DomainError):
    """A signed token (house card, camera) that fails its signature or was revoked."""

    code = "invalid_token"


class RateLimited(DomainError):
    """Too many requests from one sender in a window; `retry_at` is when one is accepted again.

    Protects the people on the other end (a staff group) from a flood, not the server.
    """

    code = "rate_limited"

    def __init__(self, detail: str = "", *, retry_at: datetime, **params: object) -> None:
        super().__init__(detail, retry_at=retry_at, **params)
        self.retry_at = retry_at


class ErasureHeld(DomainError):
    """A person cannot be erased while an active watchlist entry holds their record."""

    code = "erasure_held"


class AlreadyErased(DomainError):
    code = "already_erased"
