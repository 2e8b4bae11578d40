"""Cross-domain building blocks: errors, security, Redis, rate limits, health."""
