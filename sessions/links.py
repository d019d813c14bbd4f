"""Absolute links to Lantern's pages, as texts, emails, calendars and feeds carry them.

The path comes from the URL configuration and the origin from PUBLIC_BASE_URL, so a link
sent anywhere is the page the site serves.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from sessions.models import Member, SupportGroup


def absolute_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def group_page_url(group: SupportGroup) -> str:
    """The group's public page, for people (never the online meeting link)."""
    return absolute_url(reverse("group-page", args=[group.slug]))


def self_service_url(member: Member) -> str:
    """The member's own page (a web page; its JSON is under /api/me/). Only ever sent to a
    proven contact or answered to its proof."""
    return absolute_url(reverse("me-home", args=[member.token]))
