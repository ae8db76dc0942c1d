"""Messages to a citizen's conversation about their dossier: a database outbox, delivered through Rasa."""
