"""The commune's back-office web app (aiohttp): demo page with the chat widget, health; officer pages later."""
