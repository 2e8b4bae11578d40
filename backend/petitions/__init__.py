"""Petitions (诉求): intake, the ticket workflow with time limits, replies and ratings."""
