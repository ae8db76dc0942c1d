"""Rasa graph components (the framework edge of bot.text). Referenced from config.yml."""
