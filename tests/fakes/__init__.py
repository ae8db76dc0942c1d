"""Local fake servers that speak the real HTTP protocols of the chat platforms (Telegram, Zalo OA)."""
