"""Chat channels: Rasa input/output channels for Telegram and Zalo OA, and the embeddable web widget."""
