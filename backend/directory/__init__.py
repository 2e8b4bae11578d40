"""Departments, streets, communities and staff accounts."""
