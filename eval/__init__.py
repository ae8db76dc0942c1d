"""`make eval`: accuracy of the procedure search on held-out citizen questions."""
