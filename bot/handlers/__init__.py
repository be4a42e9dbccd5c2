"""The bot's intents, one small module each; ``bot.dispatcher`` puts their routers in order."""
