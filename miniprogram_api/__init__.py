"""Resident-facing API blueprints under /api/mp/: parse, call backend services, serialise."""
