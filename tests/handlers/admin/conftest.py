"""End-to-end fixtures for the admin console's tests (defined in tests/e2e.py)."""

from tests.e2e import bot_env, make_bot_env

__all__ = ["bot_env", "make_bot_env"]
