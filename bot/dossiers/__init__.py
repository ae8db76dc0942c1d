"""Dossiers (hồ sơ): submission, codes, due dates; later the officers' workflow."""
