"""A local Telegram Bot API server ("sandbox") for end-to-end tests and the demo.

The real python-telegram-bot ``Application`` talks to it over HTTP through ``base_url`` and
``base_file_url``; tests act as users through the :class:`Sandbox` control API.
"""

from .errors import ApiError
from .faults import Faults
from .sandbox import Sandbox

__all__ = ["ApiError", "Faults", "Sandbox"]
