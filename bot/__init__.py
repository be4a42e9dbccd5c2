"""The WeChat chat bot: signed callback in, a router of small intent handlers, a reply out."""
