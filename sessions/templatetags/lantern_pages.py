"""Template helpers for the pages: the crisis line and accessible form fields."""

from __future__ import annotations

from django import template
from django.forms import BoundField, CheckboxInput, CheckboxSelectMultiple, RadioSelect
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from sessions.pages.context import crisis_line_for

register = template.Library()


@register.inclusion_tag("includes/crisis_line.html", takes_context=True)
def crisis_line(context) -> dict:
    country = context.get("crisis_country") or context.get("default_crisis_country")
    return {"crisis": crisis_line_for(country)}


@register.simple_tag
def field_widget(field: BoundField):
    """The field's input, described by its hint and error message (GOV.UK "error message")."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}-hint")
    attrs = {}
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.simple_tag
def choice_inputs(field: BoundField) -> str:
    """The inputs of a checkbox or radio group, each in its <div class="choice"> with its label.

    Built here rather than through a widget template, or a template loop, per option: the
    results page has dozens of options and both made it several times slower."""
    # CheckboxSelectMultiple is a RadioSelect subclass in Django: ask for it first.
    input_type = "checkbox" if isinstance(field.field.widget, CheckboxSelectMultiple) else "radio"
    value = field.value()
    if isinstance(value, list | tuple):
        chosen = {str(v) for v in value}
    else:
        chosen = {"" if value is None else str(value)}
    # Options that are languages are read in their own language (WCAG 3.1.2).
    languages = getattr(field.field, "options_are_languages", False)
    name, auto_id = field.html_name, field.auto_id
    return format_html_join(
        "",
        '<div class="choice"><input type="{}" name="{}" value="{}" id="{}_{}"{}><label for="{}_{}"{}>{}</label></div>',
        (
            (
                input_type,
                name,
                str(choice_value),
                auto_id,
                index,
                mark_safe(" checked") if str(choice_value) in chosen else "",
                auto_id,
                index,
                format_html(' lang="{}"', str(choice_value)) if languages and str(choice_value) else "",
                label,
            )
            for index, (choice_value, label) in enumerate(field.field.choices)
        ),
    )


@register.filter
def field_kind(field: BoundField) -> str:
    """How field.html lays a field out: a group of choices, one checkbox, or a labelled input."""
    widget = field.field.widget
    if isinstance(widget, CheckboxSelectMultiple | RadioSelect):
        return "choices"
    if isinstance(widget, CheckboxInput):
        return "checkbox"
    return "input"
