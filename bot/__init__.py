"""WeChat chat bot: signed callback in, a router of small handlers, replies out (issue 9)."""
