"""The admin command line, `safecommunity` (see `safecommunity --help`)."""

from bot.cli.app import main

__all__ = ["main"]
