"""The national catalogue of administrative procedures: model, import, search, answers."""
