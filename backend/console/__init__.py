"""Serves the staff console's build (console/dist) at /console/ with history-mode fallback."""
