"""`make bench`: figures for the closing notes, printed as JSON (never asserted by tests)."""
