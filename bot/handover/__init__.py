"""A person when the bot cannot help: the commune's office hours, the queue of conversations waiting for an
officer, live chat and its release back to the bot."""
