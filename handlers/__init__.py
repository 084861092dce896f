"""Telegram handlers, one module (or package) per feature; each exposes `register(application)`.

`bot.app.register_features` is the one place that registers them, in a visible order.
The toolkit they are built with (typed buttons, flows, menus, notices) is `handlers.kit`.
"""
