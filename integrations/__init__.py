"""One package per outside platform: an async client, a simulator, and payload models."""
