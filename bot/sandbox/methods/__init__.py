"""Bot API methods, registered by name (case-insensitive like Telegram's)."""

from . import bot, media_edits, messages
from ._registry import METHODS, ApiMethod, api_method

__all__ = ["METHODS", "ApiMethod", "api_method", "bot", "media_edits", "messages"]
