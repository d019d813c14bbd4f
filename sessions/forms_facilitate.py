"""Forms of the facilitator pages. They only shape input; the rules are the services'.

A form checks what HTML cannot (a number is a number, a date is a date); whatever
the API would refuse is refused by the service the page calls, and
`add_service_errors` puts that service's message next to the field it names, so
the page says what the API says, in the page's language (sessions.pages.messages).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sessions.models import Attendance, Facilitator, Organization, SupportGroup, Venue
from sessions.pages.messages import page_message_dict
from sessions.services import schedule_patterns as patterns
from sessions.services.groups import GROUP_FIELDS
from sessions.validators import validate_reminder_offsets

OFFSETS_INVALID = "Give minutes before the session, separated by commas, e.g. 1440, 120."


def add_service_errors(form: forms.Form, exc: ValidationError, *, fields: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: a message keyed by a field the
    form has goes next to that field (`fields` renames service keys), the rest to the top."""
    fields = fields or {}
    for key, messages in page_message_dict(exc).items():
        name = fields.get(key, key)
        target = name if name in form.fields else None
        for message in messages:
            if target is not None and target in form.errors and message in form.errors[target]:
                continue
            form.add_error(target, message)


class NativeDateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (2026-03-12): a localized one
    ("12/03/2026" on a Spanish page) is no value to it, and the field shows empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class SignInForm(forms.Form):
    """Only for the label texts; Django's AuthenticationForm does the work."""


# --- Roster -----------------------------------------------------------------------------


class RosterAddForm(forms.Form):
    display_name = forms.CharField(label=_("First name"), max_length=80)
    phone = forms.CharField(label=_("Mobile phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    sms_reminders = forms.BooleanField(label=_("They agreed to text reminders"), required=False)
    email_reminders = forms.BooleanField(label=_("They agreed to email reminders"), required=False)
    notes = forms.CharField(label=_("Private note (facilitators only)"), required=False, widget=forms.Textarea)


class RosterChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("approve", "decline", "remove", "waitlist", "move")])
    waitlist_position = forms.IntegerField(required=False, min_value=1)


class RosterNotesForm(forms.Form):
    notes = forms.CharField(label=_("Private note (facilitators only)"), required=False, widget=forms.Textarea)


# --- Sessions ---------------------------------------------------------------------------

CLEAR = "clear"


class AttendanceMarkForm(forms.Form):
    enrollment = forms.IntegerField(min_value=1)
    mark = forms.ChoiceField(choices=[(m, m) for m in (*Attendance.Mark.values, CLEAR)])

    def mark_value(self) -> str | None:
        mark = self.cleaned_data["mark"]
        return None if mark == CLEAR else mark


class SessionCancelForm(forms.Form):
    # Not required here: the service refuses an empty reason, with its own message.
    note = forms.CharField(
        label=_("Why it is cancelled (members see this)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note.hide_optional = True


class SessionMoveForm(forms.Form):
    """A date and a time on the group's clock; the page adds the zone, nobody types an offset."""

    date = forms.DateField(label=_("New date"), widget=NativeDateInput())
    time = forms.TimeField(label=_("New start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class SessionVenueForm(forms.Form):
    venue = forms.ModelChoiceField(
        queryset=Venue.objects.none(), required=False, label=_("Venue"), empty_label=_("The group's usual venue")
    )
    note = forms.CharField(
        label=_("Note for members, e.g. the room"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, venues=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = venues if venues is not None else Venue.objects.none()


# --- Messages ---------------------------------------------------------------------------


class BroadcastForm(forms.Form):
    # Not required here: broadcast_check refuses an empty message, with its own message.
    body = forms.CharField(
        label=_("Message"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 5})
    )
    body.hide_optional = True


# --- Groups -----------------------------------------------------------------------------


def _group_formfield(field, **kwargs):
    # Links typed without a scheme are https (Django 6's default), as browsers assume.
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class GroupForm(forms.ModelForm):
    """Every field the management API takes. Model rules run in the service (group_create /
    group_update call full_clean), not here, so there is one message for each mistake."""

    reminder_offsets = forms.CharField(
        label=_("Reminders, in minutes before each session"),
        help_text=_("For example 1440, 120 (a day before and two hours before)."),
        required=False,
    )
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Organization"))

    class Meta:
        model = SupportGroup
        fields = ["organization", *GROUP_FIELDS]
        formfield_callback = _group_formfield
        labels = {
            "name": _("Name"),
            "slug": _("Web address name"),
            "topic": _("Topic"),
            "audience": _("Who it is for"),
            "description": _("Description"),
            "what_to_expect": _("What to expect at a first session"),
            "format": _("Format"),
            "venue": _("Venue"),
            "conference_url": _("Online meeting link"),
            "language": _("Language"),
            "timezone": _("Time zone"),
            "capacity": _("Seats"),
            "enrollment_mode": _("How people join"),
            "cycle_start": _("First day of the current cycle"),
            "cycle_weeks": _("Weeks in a cycle"),
            "cost": _("Cost"),
            "faith_based": _("Faith-based"),
            "peer_led": _("Peer-led"),
            "wheelchair_accessible": _("Wheelchair accessible"),
            "hearing_access": _("Hearing loop or sign language"),
            "childcare": _("Childcare"),
            "listed": _("Listed in search (unlisted groups are reached by their link only)"),
            "sms_label": _("Name in text messages"),
        }
        help_texts = {
            "slug": _("Leave empty to make one from the name."),
            "conference_url": _("Only active members ever see it."),
            "language": _("A language code, e.g. en or es."),
            "timezone": _("Leave empty to use the venue's, e.g. America/Chicago."),
            "capacity": _("Leave empty for no limit."),
            "sms_label": _("Shown on lock screens: never the topic, e.g. 'Tuesday evening group'."),
        }
        widgets = {
            "cycle_start": NativeDateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "what_to_expect": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, organizations=None, venues=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["organization"]
            self.initial["reminder_offsets"] = ", ".join(str(m) for m in self.instance.reminder_offsets or [])
        else:
            self.fields["organization"].queryset = organizations
            self.initial.setdefault("reminder_offsets", "1440, 120")
        self.fields["venue"].queryset = venues if venues is not None else Venue.objects.none()
        for name in ("slug", "timezone", "sms_label"):
            self.fields[name].required = False

    def clean_reminder_offsets(self):
        raw = self.cleaned_data.get("reminder_offsets") or ""
        try:
            values = [int(chunk) for chunk in raw.replace(";", ",").split(",") if chunk.strip()]
            validate_reminder_offsets(values)
        except ValueError:
            raise ValidationError(OFFSETS_INVALID) from None
        return values

    def _post_clean(self):
        # No instance validation here: the service validates (and says it the API's way).
        pass

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("organization", None)
        if self.instance.pk:
            # Only what changed goes to group_update, as a PATCH would.
            return {name: data[name] for name in self.changed_data if name in data}
        return data


class FacilitatorForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Facilitator.Role.choices, initial=Facilitator.Role.CO)


# --- Schedules --------------------------------------------------------------------------

PATTERN_CHOICES = [
    (patterns.WEEKLY, _("Every week")),
    (patterns.EVERY_OTHER_WEEK, _("Every other week")),
    (patterns.MONTHLY, _("Once a month, on a weekday (e.g. the 2nd Thursday)")),
    (patterns.CYCLE, _("Weekly, in a cycle of a few weeks that starts again")),
    (patterns.DATES, _("On a list of dates")),
]
WEEKDAY_CHOICES = [
    ("", _("Choose a day")),
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]
ORDINAL_CHOICES = [
    ("", _("Choose a week")),
    ("1", _("1st")),
    ("2", _("2nd")),
    ("3", _("3rd")),
    ("4", _("4th")),
    ("-1", _("Last")),
]


class ScheduleForm(forms.Form):
    pattern = forms.ChoiceField(label=_("How often"), choices=PATTERN_CHOICES, widget=forms.RadioSelect)
    weekday = forms.ChoiceField(label=_("Day of the week"), choices=WEEKDAY_CHOICES, required=False)
    ordinal = forms.TypedChoiceField(
        label=_("Which one in the month"), choices=ORDINAL_CHOICES, coerce=int, empty_value=None, required=False
    )
    cycle_weeks = forms.IntegerField(
        label=_("Weeks in a cycle"), initial=patterns.DEFAULT_CYCLE_WEEKS, required=False, min_value=1
    )
    first_date = forms.DateField(label=_("Starting from"), required=False, widget=NativeDateInput())
    until = forms.DateField(label=_("Last date (leave empty to keep going)"), required=False, widget=NativeDateInput())
    dates = forms.CharField(
        label=_("Dates, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    start_time = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration_minutes = forms.IntegerField(label=_("Length in minutes"), initial=90)
    venue = forms.ModelChoiceField(
        queryset=Venue.objects.none(), required=False, label=_("Venue"), empty_label=_("The group's usual venue")
    )

    # Service keys that name a field of this form under another name.
    SERVICE_FIELDS = {"rrule": "pattern", "dtstart": "first_date"}
    # Which fields each pattern uses (the page's script shows only those; without it, hints say so).
    PATTERN_FIELDS = {
        "weekday": (patterns.WEEKLY, patterns.EVERY_OTHER_WEEK, patterns.MONTHLY, patterns.CYCLE),
        "ordinal": (patterns.MONTHLY,),
        "cycle_weeks": (patterns.CYCLE,),
        "first_date": (patterns.WEEKLY, patterns.EVERY_OTHER_WEEK, patterns.MONTHLY, patterns.CYCLE),
        "until": (patterns.WEEKLY, patterns.EVERY_OTHER_WEEK, patterns.MONTHLY, patterns.CYCLE),
        "dates": (patterns.DATES,),
    }

    def __init__(self, *args, venues=None, allow_dates: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.PATTERN_FIELDS:
            # Needed by some patterns only: the hint says which, not "(optional)".
            self.fields[name].hide_optional = True
            self.fields[name].widget.attrs["data-patterns"] = " ".join(self.PATTERN_FIELDS[name])
        self.fields["weekday"].help_text = _("Not for a list of dates.")
        self.fields["ordinal"].help_text = _("For once a month.")
        self.fields["cycle_weeks"].help_text = _("For a cycle that starts again.")
        self.fields["first_date"].help_text = _("The first session is on the first matching day from here.")
        self.fields["dates"].help_text = _("For a list of dates, e.g. 2027-03-12")
        self.fields["venue"].queryset = venues if venues is not None else Venue.objects.none()
        if not allow_dates:
            self.fields["pattern"].choices = [c for c in PATTERN_CHOICES if c[0] != patterns.DATES]

    def chosen_pattern(self) -> patterns.Pattern:
        """The picker's choice; raises the service's ValidationError for a bad list of dates."""
        data = self.cleaned_data
        kind = data["pattern"]
        dates = patterns.parse_dates(data.get("dates") or "") if kind == patterns.DATES else ()
        return patterns.Pattern(
            kind=kind,
            start_time=data.get("start_time"),
            first_date=data.get("first_date"),
            weekday=data.get("weekday") or "",
            ordinal=data.get("ordinal"),
            cycle_weeks=data.get("cycle_weeks"),
            until=data.get("until"),
            dates=dates,
        )


# --- Venues and the audit log -----------------------------------------------------------


class VenueForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Organization"))
    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(label=_("Street address"), max_length=300, required=False)
    city = forms.CharField(label=_("Town or city"), max_length=120)
    region = forms.CharField(label=_("State, province or county"), max_length=120, required=False)
    postal_code = forms.CharField(label=_("ZIP or postal code"), max_length=20, required=False)
    country = forms.CharField(
        label=_("Country code"), max_length=2, help_text=_("Two letters, e.g. US, CA, GB"), initial="US"
    )
    accessibility_notes = forms.CharField(
        label=_("Accessibility notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=_("Only if the address cannot be found, e.g. 39.8003"),
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180, help_text=_("e.g. -89.6437")
    )
    timezone = forms.CharField(
        label=_("Time zone"),
        required=False,
        max_length=64,
        help_text=_("Leave empty: it comes from the location. Or e.g. America/Chicago"),
    )

    FIELDS = ("name", "address", "city", "region", "postal_code", "country", "accessibility_notes")
    OPTIONAL = ("latitude", "longitude", "timezone")

    def __init__(self, *args, organizations=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = organizations

    def clean_country(self):
        return (self.cleaned_data.get("country") or "").strip().upper()

    def venue_fields(self) -> dict:
        """The API's fields; coordinates and zone only when typed, so the service locates the rest."""
        fields = {name: self.cleaned_data[name] for name in self.FIELDS}
        fields.update(
            {name: self.cleaned_data[name] for name in self.OPTIONAL if self.cleaned_data[name] not in (None, "")}
        )
        return fields


class AuditFilterForm(forms.Form):
    group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.none(), required=False, label=_("Group"), empty_label=_("All groups")
    )
    action = forms.CharField(label=_("Action, e.g. roster.view"), required=False, max_length=64)

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups if groups is not None else SupportGroup.objects.none()

    def clean_action(self):
        value = self.cleaned_data.get("action") or ""
        # PostgreSQL refuses a NUL byte in a compared string (the API's serializer refuses it too).
        if "\x00" in value:
            raise ValidationError(_("Remove the control characters."))
        return value.strip()
