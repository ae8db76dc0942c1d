"""Chat platforms (Telegram, Zalo OA), framework-free: rendering replies within each platform's limits, the
durable queue of outgoing messages, processed updates, verified contacts and platform tokens. The Rasa
connectors in connectors/ are thin adapters over these."""

# Channels whose platform can hand over the citizen's own phone number (so no SMS code is needed).
CHANNELS_SHARING_PHONE = frozenset({"telegram", "zalo"})
