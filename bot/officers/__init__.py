"""Officer accounts of the commune's back-office and their authentication."""
