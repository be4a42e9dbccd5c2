"""The knowledge base shipped with the bot: its articles live in ``articles/``."""
