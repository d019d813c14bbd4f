"""Outbox, inbound messages and delivery records (issue 6)."""
