"""Routing: the category → department table and the classifiers that pick a category."""
