"""Rasa SDK custom actions: thin adapters that call the domain modules in bot/."""
