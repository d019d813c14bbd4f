"""Template helpers for the pages: the crisis line and accessible form fields."""

from __future__ import annotations

from django import template
from django.forms import BoundField, CheckboxInput, CheckboxSelectMultiple, RadioSelect
from django.utils.html import conditional_escape, escape
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

    Built here with plain string formatting rather than through a widget template, a template
    loop or format_html per option: the results page has dozens of options and each of those
    made it measurably slower. Every value and label is escaped."""
    # CheckboxSelectMultiple is a RadioSelect subclass in Django: ask for it first.
    input_type = "checkbox" if isinstance(field.field.widget, CheckboxSelectMultiple) else "radio"
    value = field.value()
    if isinstance(value, list | tuple):
        chosen = {str(v) for v in value}
    else:
        chosen = {"" if value is None else str(value)}
    # Options that are languages are read in their own language (WCAG 3.1.2).
    languages = getattr(field.field, "options_are_languages", False)
    name, auto_id = escape(field.html_name), escape(field.auto_id)
    options = []
    for index, (choice_value, label) in enumerate(field.field.choices):
        option = str(choice_value)
        escaped = escape(option)
        checked = " checked" if option in chosen else ""
        lang = f' lang="{escaped}"' if languages and option else ""
        options.append(
            f'<div class="choice"><input type="{input_type}" name="{name}" value="{escaped}" '
            f'id="{auto_id}_{index}"{checked}><label for="{auto_id}_{index}"{lang}>{conditional_escape(label)}'
            "</label></div>"
        )
    return mark_safe("".join(options))  # noqa: S308 (each value, name, id and label is escaped above)


@register.filter
def field_kind(field: BoundField) -> str:
    """How field.html lays a field out: a group of choices, one checkbox, or a labelled input."""
    widget = field.field.widget
    if isinstance(widget, CheckboxSelectMultiple | RadioSelect):
        return "choices"
    if isinstance(widget, CheckboxInput):
        return "checkbox"
    return "input"
