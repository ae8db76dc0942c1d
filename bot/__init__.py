"""DVC Assistant: domain modules (no Rasa imports outside bot.actions and bot.nlu)."""
