"""The national catalogue of administrative procedures (thủ tục hành chính): model, import, search, answers."""
