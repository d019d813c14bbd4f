"""The finder: `/` (one field) and `/groups/?near=…` (results, filters, online groups apart)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sessions.pages.forms import DEFAULT_RADIUS_MILES, FinderForm, SearchForm
from sessions.pages.map import allow_map_tiles, map_view
from sessions.pages.present import CARD_COLUMNS, summarize_all
from sessions.selectors.search import (
    GroupSearch,
    SearchPage,
    groups_search_page,
    online_groups_soonest,
)
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


def _nearby_page(search: GroupSearch, page_param: str | None) -> Page:
    """A page of the nearby groups with their count in one query (no COUNT query first).

    Page numbers are read as `Paginator.get_page` reads them: not a number is the
    first page, past the end or below 1 the last; those rare cases cost a query more.
    """
    try:
        number = int(page_param or 1)
    except ValueError:
        number = 1
    found = _fetch(search, number) if number >= 1 else None
    if found is None or found.count is None:
        found = _fetch(search, 1)  # the first page always tells how many there are
    paginator = Paginator(_Counted(found.count), RESULTS_PER_PAGE)
    if not 1 <= number <= paginator.num_pages:
        number = paginator.num_pages
        if number != 1:
            found = _fetch(search, number)
    return Page(found.groups, number, paginator)


def _fetch(search: GroupSearch, number: int) -> SearchPage:
    return groups_search_page(
        params=search, offset=(number - 1) * RESULTS_PER_PAGE, limit=RESULTS_PER_PAGE, columns=CARD_COLUMNS
    )


class _Counted:
    """What a Paginator needs of its list when the rows of the page are fetched apart: its length."""

    def __init__(self, count: int) -> None:
        self._count = count

    def __len__(self) -> int:
        return self._count


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
        page = _nearby_page(search, request.GET.get("page"))
        context["nearby"] = page
        context["nearby_items"] = summarize_all(page)
        context["map"] = map_view(context["nearby_items"])
    if chosen_format in ("", "online"):
        search = form.search(latitude=None, longitude=None, online=True)
        online = online_groups_soonest(params=search, limit=ONLINE_SHOWN, columns=CARD_COLUMNS)
        context["online"] = summarize_all(online)
    if place is not None:
        context["place"] = place
        context["place_label"] = place_label(place)
        context["crisis_country"] = place.country
        context["alternatives"] = [{"label": place_label(alt), "query": place_query(alt)} for alt in place.alternatives]
    context["filters_used"] = form.filters_used() if not form.errors else 0
    response = render(request, "finder/results.html", context)
    return allow_map_tiles(response) if context.get("map") else response
