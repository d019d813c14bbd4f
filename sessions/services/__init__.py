"""Writes that own the business rules, one module per area (HackSoft style).

enrollment.py  — joining, capacity, waitlist, roster changes
schedule.py    — series validation and session materialization
places.py      — offline geocoding and venue location
"""
