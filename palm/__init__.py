"""Wiring for Weihai palm services: settings, app factory, app keys, middlewares and CLI."""
