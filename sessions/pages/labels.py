"""Plain, translated words for the values the API returns as codes (topic, format, day…).

The model's choice labels are for staff and the API; seekers read these. A test checks that
every model choice has one here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sessions.models import SupportGroup

TOPICS = {
    SupportGroup.Topic.GRIEF: _("Grief after any loss"),
    SupportGroup.Topic.SPOUSE_LOSS: _("Loss of a husband, wife or partner"),
    SupportGroup.Topic.CHILD_LOSS: _("Loss of a child"),
    SupportGroup.Topic.PARENT_LOSS: _("Loss of a parent"),
    SupportGroup.Topic.SUICIDE_LOSS: _("Loss to suicide"),
    SupportGroup.Topic.PREGNANCY_INFANT_LOSS: _("Loss of a pregnancy or a baby"),
    SupportGroup.Topic.OVERDOSE_LOSS: _("Loss to overdose"),
    SupportGroup.Topic.PET_LOSS: _("Loss of a pet"),
    SupportGroup.Topic.DIVORCE: _("Divorce or separation"),
    SupportGroup.Topic.CAREGIVERS: _("Caring for someone"),
    SupportGroup.Topic.MENS_PEER: _("Men's group"),
    SupportGroup.Topic.MENTAL_HEALTH_PEER: _("Mental health peer support"),
    SupportGroup.Topic.OTHER: _("Other support"),
}

FORMATS = {
    SupportGroup.Format.IN_PERSON: _("In person"),
    SupportGroup.Format.ONLINE: _("Online"),
    SupportGroup.Format.HYBRID: _("In person or online"),
}

AUDIENCES = {
    SupportGroup.Audience.EVERYONE: _("Everyone"),
    SupportGroup.Audience.MEN: _("Men"),
    SupportGroup.Audience.WOMEN: _("Women"),
    SupportGroup.Audience.YOUNG_ADULTS: _("Young adults"),
    SupportGroup.Audience.PARENTS: _("Parents"),
    SupportGroup.Audience.VETERANS: _("Veterans"),
    SupportGroup.Audience.LGBTQ: _("LGBTQ+ people"),
}

COSTS = {
    SupportGroup.Cost.FREE: _("Free"),
    SupportGroup.Cost.DONATION: _("Give what you can"),
    SupportGroup.Cost.FEE: _("There is a fee"),
}

ENROLLMENT_MODES = {
    SupportGroup.EnrollmentMode.DROP_IN: _("Just come along"),
    SupportGroup.EnrollmentMode.APPROVAL: _("Ask to join: a leader says yes"),
    SupportGroup.EnrollmentMode.COHORT: _("Starts on a set date: ask to join"),
}

DAYS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}

TIMES_OF_DAY = {
    "morning": _("Morning (before noon)"),
    "afternoon": _("Afternoon (noon to 5 PM)"),
    "evening": _("Evening (after 5 PM)"),
}

ACCESSIBILITY = {
    "wheelchair": _("Wheelchair access"),
    "hearing": _("Hearing loop or sign language"),
    "childcare": _("Childcare"),
}

LANGUAGES = {
    "en": _("English"),
    "es": _("Spanish"),
}

FAITH = {
    "faith_based": _("Faith-based"),
    "secular": _("Not religious"),
}

ANY = pgettext_lazy("filter choice", "Any")
