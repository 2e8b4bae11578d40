"""Where uploaded files live, behind a small interface (local disk by default)."""
