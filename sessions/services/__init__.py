"""Writes that own the business rules, one module per area (HackSoft style).

enrollment.py  — joining, capacity, waitlist, roster changes (issue 3)
schedule.py    — series validation and session materialization (issue 4)
places.py      — offline geocoding and venue location (issue 5)
"""
