"""Hospitals and community health centres: departments, hours, weekend clinics; "where to see X"."""
