"""Reads, one module per area: search.py (group finder), schedule.py, roster.py."""
