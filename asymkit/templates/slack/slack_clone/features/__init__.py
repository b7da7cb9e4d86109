"""Feature modules (reactions, pins, files, search...): importing them registers their methods."""
