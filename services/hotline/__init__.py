"""12345 hotline requests filed through the chat bot: filing, submission, progress relayed."""
