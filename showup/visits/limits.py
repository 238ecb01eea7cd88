"""The number ranges of the visits module, one place for the web forms
(showup.visits.forms) and the API's schemas (showup.visits.schemas): a value one web page
refuses, the API refuses too, and the other way round (showup/tests/test_form_api_parity.py).

The model's fields are PositiveSmallIntegerField (0 to 32767): these ranges are narrower."""

from __future__ import annotations

# A place's standing rules, and a request's copy of them.
MAX_GROUP_SIZE = (1, 50)  # visitors in the room at once, officers and guests included
MIN_VISITOR_AGE = (0, 99)
MIN_NOTICE_DAYS = (0, 365)
# A request.
CHILD_AGE = (0, 21)
GROUP_SIZE = (1, MAX_GROUP_SIZE[1])  # and at most the request's own max_group_size
# Mementos given at a visit: per kind and per call (the API's rows say 1 to 50; a web form's
# field may say 0, which means "none of this kind").
MEMENTO_QUANTITY = (1, 50)

# Field name -> (lowest, highest), for every number a visits form and the API both take.
NUMBER_RANGES: dict[str, tuple[int, int]] = {
    "max_group_size": MAX_GROUP_SIZE,
    "min_visitor_age": MIN_VISITOR_AGE,
    "min_notice_days": MIN_NOTICE_DAYS,
    "child_age": CHILD_AGE,
    "group_size": GROUP_SIZE,
}
