from __future__ import annotations

from sessions.models import Member
from tests.factories import EnrollmentFactory, MemberFactory, SessionFactory


def texting_member(**kwargs) -> Member:
    defaults = {"sms_reminders": True, "sms_consent": Member.SmsConsent.CONFIRMED, "timezone": "America/Chicago"}
    return MemberFactory(**{**defaults, **kwargs})


def emailing_member(**kwargs) -> Member:
    defaults = {
        "phone": None,
        "email": kwargs.pop("email", None) or f"m{MemberFactory._meta.model.objects.count() + 1}@example.org",
        "email_reminders": True,
        "email_consent": True,
        "timezone": "America/Chicago",
    }
    return MemberFactory(**{**defaults, **kwargs})


def session_with_member(*, starts_at, member=None, group=None):
    session = SessionFactory(starts_at=starts_at, **({"series__group": group} if group else {}))
    member = member or texting_member()
    enrollment = EnrollmentFactory(member=member, group=session.group)
    return session, member, enrollment
