"""The Telegram side of SafeCommunity: the PTB Application, its runtime and HTTP server.

`bot.app.build_application` assembles the Application; `bot.runtime.run` runs the process;
`handlers/` holds the update handlers. `core/` never imports from here.
"""
