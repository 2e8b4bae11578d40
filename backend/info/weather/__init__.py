"""Weather per street from the provider's cache (refreshed by a worker job), with the warnings in force."""
