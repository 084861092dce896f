"""The toolkit every feature is built with: typed buttons, typed flows, menus, notices."""
