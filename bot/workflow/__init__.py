"""The one-stop workflow of a dossier: its states, who may move it, its clock, what the citizen is told."""
