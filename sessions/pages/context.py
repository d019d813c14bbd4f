"""What every page needs: the crisis line, the quick exit and the language switch."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CrisisLine:
    text: str
    # (label, href) pairs: a tel: or sms: link or a web page.
    links: tuple[tuple[str, str], ...]


def crisis_line_for(country: str | None) -> CrisisLine:
    """The crisis line of a country (ISO 3166-1 alpha-2), falling back to the configured one."""
    code = (country or settings.CRISIS_LINE_COUNTRY or "").upper()
    if code in ("US", "CA"):
        return CrisisLine(
            text=_("In crisis or thinking about suicide? Call or text 988, any time."),
            links=((_("Call 988"), "tel:988"), (_("Text 988"), "sms:988")),
        )
    if code in ("GB", "IE"):
        return CrisisLine(
            text=_("In crisis or thinking about suicide? Call Samaritans free on 116 123, any time."),
            links=((_("Call 116 123"), "tel:116123"),),
        )
    text = settings.CRISIS_LINE_TEXT or _("In crisis or in danger? Call your local emergency number.")
    links = ((_("Find a crisis line"), settings.CRISIS_LINE_URL),) if settings.CRISIS_LINE_URL else ()
    return CrisisLine(text=text, links=links)


def care(request: HttpRequest) -> dict:
    """Context processor. A view that knows the person's country sets `crisis_country` itself."""
    return {
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "default_crisis_country": settings.CRISIS_LINE_COUNTRY,
    }
