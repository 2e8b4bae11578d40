"""The audit log: who did what to which staff account, petition or setting, outside the petition workflow."""
