"""The API's only request parser: JSON, with a nesting limit.

Python's json module recurses once per level, so a 2 KB body of a thousand
nested brackets raised RecursionError (a 500) on every endpoint that reads a
body. No Lantern request is more than a few levels deep, so anything deeper
than MAX_JSON_DEPTH is refused as a 400 before a serializer walks it.

Form encodings are not accepted: nulls and lists (`venue: null`, `day`
lists, reminder offsets) cannot be written in them, and the schema should not
promise what does not work.
"""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
JSON_TOO_DEEP = f"JSON parse error - the body is nested more than {MAX_JSON_DEPTH} levels deep."


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether `value` (parsed JSON) nests lists/objects more than `limit` levels. Iterative."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(JSON_TOO_DEEP) from None
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(JSON_TOO_DEEP)
        return data
