"""The commune's back-office web app (aiohttp): demo page with the chat widget and health check."""
