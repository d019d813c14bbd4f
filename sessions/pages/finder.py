"""The finder: `/` (one field) and `/groups/?near=…` (results, filters, online groups apart)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sessions.pages.forms import DEFAULT_RADIUS_MILES, FinderForm, SearchForm
from sessions.pages.map import allow_map_tiles, map_view
from sessions.pages.present import summarize_all
from sessions.selectors.search import groups_search
from sessions.services.places import PlaceNotFound, ResolvedPlace, resolve_place

RESULTS_PER_PAGE = 20
ONLINE_SHOWN = 10


def place_not_found_message(query: str) -> str:
    return _(
        "We could not find “%(query)s”. Type a 5-digit ZIP code like 62701, or a town and state like Springfield, IL."
    ) % {"query": query}


def place_query(place: dict) -> str:
    """What to search for to get exactly this place: "Springfield, MO", "Manchester, GB"."""
    if place.get("country") in ("US", "CA", "AU") and place.get("region"):
        return f"{place['name']}, {place['region']}"
    return f"{place['name']}, {place['country']}"


def place_label(place: ResolvedPlace | dict) -> str:
    data = place.as_dict() if isinstance(place, ResolvedPlace) else place
    if data.get("kind") == "postal_code":
        return f"{data['postal_code']} ({data['name']}, {data['region']})"
    return ", ".join(part for part in (data["name"], data.get("region") or data.get("country")) if part)


def finder(request: HttpRequest) -> HttpResponse:
    return render(request, "finder/index.html", {"form": FinderForm()})


def group_results(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("radius", DEFAULT_RADIUS_MILES)
    form = SearchForm(data)
    context: dict = {"form": form, "place": None, "nearby": None, "online": []}
    if not form.is_valid():
        return render(request, "finder/results.html", context, status=400)

    near = form.cleaned_data["near"].strip()
    place = None
    if near:
        try:
            place = resolve_place(near)
        except PlaceNotFound:
            form.add_error("near", place_not_found_message(near))
    chosen_format = form.cleaned_data.get("format")
    if place is not None and chosen_format != "online":
        search = form.search(latitude=place.latitude, longitude=place.longitude, online=False)
        page = Paginator(groups_search(params=search), RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        context["nearby"] = page
        context["nearby_items"] = summarize_all(page)
        context["map"] = map_view(context["nearby_items"])
    if chosen_format in ("", "online"):
        online = groups_search(params=form.search(latitude=None, longitude=None, online=True))[:ONLINE_SHOWN]
        context["online"] = summarize_all(online)
    if place is not None:
        context["place"] = place
        context["place_label"] = place_label(place)
        context["crisis_country"] = place.country
        context["alternatives"] = [{"label": place_label(alt), "query": place_query(alt)} for alt in place.alternatives]
    context["filters_used"] = form.filters_used() if not form.errors else 0
    response = render(request, "finder/results.html", context)
    return allow_map_tiles(response) if context.get("map") else response
