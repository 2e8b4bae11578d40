"""Volunteer activities (新时代文明实践): publishing, sign-up with a waitlist, check-in/out, service hours."""
