"""`python -m bot.cli …` runs the `safecommunity` command."""

from bot.cli.app import main

raise SystemExit(main())
