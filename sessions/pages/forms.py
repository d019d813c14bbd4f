"""Forms of the seeker and member pages: input shape and messages people read.

Rules (who may join, how a contact is proven, what a place is) stay in services; a view
passes a form's cleaned data to them and puts what they refuse back on the form's field.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions.pages import labels
from sessions.selectors.search import GroupSearch
from sessions.services.places import KM_PER_MILE
from sessions.validators import validate_timezone

# Distance choices in miles, with km shown beside them.
RADIUS_MILES = ("5", "10", "25", "50")
DEFAULT_RADIUS_MILES = "25"


def _radius_label(miles: str) -> str:
    return _("Within %(miles)s miles (%(km)s km)") % {"miles": miles, "km": round(int(miles) * KM_PER_MILE)}


def _with_any(choices: dict) -> list[tuple[str, str]]:
    return [("", labels.ANY), *choices.items()]


class FinderForm(forms.Form):
    """The one field on the first page."""

    near = forms.CharField(
        label=_("ZIP code or town"),
        help_text=_("For example 62701, or Springfield, IL"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "text", "spellcheck": "false"}),
    )
    # Empty is allowed (the results page then shows online groups), but it is what the page is for.
    near.hide_optional = True


class SearchForm(FinderForm):
    """The results page's filters: the API's search parameters as choices."""

    radius = forms.ChoiceField(
        label=_("How far"),
        choices=lambda: [(m, _radius_label(m)) for m in RADIUS_MILES],
        required=False,
        widget=forms.RadioSelect,
    )
    topic = forms.MultipleChoiceField(
        label=_("Who did you lose, or what is it about?"),
        choices=lambda: list(labels.TOPICS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    format = forms.ChoiceField(
        label=_("In person or online"),
        choices=lambda: _with_any(labels.FORMATS),
        required=False,
        widget=forms.RadioSelect,
    )
    day = forms.MultipleChoiceField(
        label=_("Day"),
        choices=lambda: list(labels.DAYS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    time_of_day = forms.ChoiceField(
        label=_("Time of day"),
        choices=lambda: _with_any(labels.TIMES_OF_DAY),
        required=False,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=lambda: _with_any(labels.LANGUAGES),
        required=False,
        widget=forms.RadioSelect,
    )
    has_openings = forms.BooleanField(label=_("Only groups with a free seat"), required=False)
    cost = forms.ChoiceField(
        label=_("Cost"), choices=lambda: _with_any(labels.COSTS), required=False, widget=forms.RadioSelect
    )
    faith = forms.ChoiceField(
        label=_("Faith"), choices=lambda: _with_any(labels.FAITH), required=False, widget=forms.RadioSelect
    )
    accessibility = forms.MultipleChoiceField(
        label=_("Access needs"),
        choices=lambda: list(labels.ACCESSIBILITY.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every filter is optional and has an "Any" or a default: saying so on each is noise.
        for field in self.fields.values():
            field.hide_optional = True

    FILTERS = ("topic", "format", "day", "time_of_day", "language", "has_openings", "cost", "faith", "accessibility")

    def radius_km(self) -> float:
        miles = self.cleaned_data.get("radius") or DEFAULT_RADIUS_MILES
        return int(miles) * KM_PER_MILE

    def filters_used(self) -> int:
        """How many choices are ticked under "More choices" (each topic or day counts)."""
        count = 0
        for name in self.FILTERS:
            value = self.cleaned_data.get(name)
            count += len(value) if isinstance(value, list) else int(bool(value))
        return count

    def search(self, *, latitude: float | None, longitude: float | None, online: bool) -> GroupSearch:
        """The selector's parameters: nearby in-person groups, or (online=True) the online ones."""
        data = self.cleaned_data
        chosen_format = data.get("format") or ""
        return GroupSearch(
            latitude=None if online else latitude,
            longitude=None if online else longitude,
            radius_km=self.radius_km(),
            topics=tuple(sorted(data.get("topic") or ())),
            format="online" if online else chosen_format,
            include_online=False,
            days=tuple(sorted(data.get("day") or ())),
            time_of_day=data.get("time_of_day") or "",
            language=data.get("language") or "",
            accessibility=tuple(sorted(data.get("accessibility") or ())),
            cost=data.get("cost") or "",
            faith=data.get("faith") or "",
            has_openings=bool(data.get("has_openings")),
            ordering="distance" if not online and latitude is not None else "next_session",
        )


JOIN_NEEDS_CONTACT = _("Give a phone number or an email address so the group can reach you.")
TEXTS_NEED_PHONE = _("To get texts, give a mobile phone number.")
EMAILS_NEED_ADDRESS = _("To get emails, give an email address.")
CONSENT_NEEDED = _("Tick the box to say you agree, or you cannot join.")


class JoinForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your first name"),
        help_text=_("Or any name you want the group to call you."),
        max_length=80,
        error_messages={"required": _("Enter your first name.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        help_text=_("For texts about meetings. We never share it."),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        error_messages={"invalid": _("Enter an email address like name@example.com.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    reminders = forms.MultipleChoiceField(
        label=_("How should we remind you before each meeting?"),
        choices=[("sms", _("By text message")), ("email", _("By email"))],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Anything the group leader should know?"),
        help_text=_("Only the group leaders see this."),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Filled in by the page's script from the browser; the group's zone otherwise.
    time_zone = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=_(
            "I agree that Lantern keeps my first name and how to reach me, so the group can contact me. "
            "Only the people who run the group can see them. I can leave and delete them at any time."
        ),
        error_messages={"required": CONSENT_NEEDED},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One of the two is needed; the heading above them says so.
        self.fields["phone"].hide_optional = True
        self.fields["email"].hide_optional = True
        self.fields["reminders"].hide_optional = True

    def clean_time_zone(self) -> str:
        value = self.cleaned_data.get("time_zone") or ""
        try:
            validate_timezone(value) if value else None
        except forms.ValidationError:
            return ""  # a browser's odd zone is not the joiner's problem: use the group's
        return value

    def clean(self) -> dict:
        data = super().clean()
        phone, email = data.get("phone"), data.get("email")
        reminders = data.get("reminders") or []
        if not phone and not email and "email" not in self.errors:
            self.add_error("phone", JOIN_NEEDS_CONTACT)
        if "sms" in reminders and not phone and "phone" not in self.errors:
            self.add_error("phone", TEXTS_NEED_PHONE)
        if "email" in reminders and not email and "email" not in self.errors:
            self.add_error("email", EMAILS_NEED_ADDRESS)
        return data


class RsvpForm(forms.Form):
    session = forms.IntegerField(widget=forms.HiddenInput)
    rsvp = forms.ChoiceField(choices=[("yes", _("I'll come")), ("no", _("I can't make it"))])


class RemindersForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reminders"].hide_optional = True
        self.fields["language"].hide_optional = True
        self.fields["language"].options_are_languages = True

    reminders = forms.MultipleChoiceField(
        label=_("Remind me before each meeting"),
        choices=[("sms", _("By text message")), ("email", _("By email"))],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(
        label=_("Language of our texts and emails"),
        # Each language in its own name, as the language switch shows them.
        choices=[("en", "English"), ("es", "Español")],
        widget=forms.RadioSelect,
    )


class _NoOptionalMarks(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.hide_optional = True


class ContactForm(_NoOptionalMarks):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        help_text=_("If you change it, we text the new number. Reply YES to that text to confirm it."),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("If you change it, we email the new address a link to confirm it."),
        required=False,
        error_messages={"invalid": _("Enter an email address like name@example.com.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand: my name, phone number and email address will be deleted, and I will leave my groups."),
        error_messages={"required": _("Tick the box to confirm, or go back to your page.")},
    )
