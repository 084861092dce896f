"""The method registry shared by the method modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..sandbox import Sandbox
    from ..validation import Params

ApiMethod = Callable[["Sandbox", "Params"], Awaitable[Any]]
METHODS: dict[str, ApiMethod] = {}


def api_method(*names: str) -> Callable[[ApiMethod], ApiMethod]:
    """Register a coroutine ``f(sandbox, params) -> result`` under Bot API method names."""

    def register(func: ApiMethod) -> ApiMethod:
        for name in names:
            METHODS[name.lower()] = func
        return func

    return register
