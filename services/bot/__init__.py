"""What the chat bot needs beyond the knowledge base: chat state, residents, status lines."""
