"""The outbox: side effects written in the same transaction as the change, delivered by a worker."""
