"""Found garments the missing report has nothing like (invented data): the evidence that
separates a look-alike from the right child once place and time say nothing (a disaster's
shelters, bench/weak.md)."""

from __future__ import annotations

from matching import Matcher
from matching.features import FIELDS, compare, profile, quick_levels

from .helpers import found, missing

M = Matcher()
UNMATCHED = FIELDS.index("clothing_unmatched")


def _levels(said: str, seen: str) -> dict[str, str]:
    pair = (profile(missing(clothing=said)), profile(found(clothing=seen)))
    levels = {lv.field: lv.level for lv in compare(*pair)}
    assert quick_levels(*pair)[UNMATCHED] == levels["clothing_unmatched"]
    return levels


def test_every_garment_seen_is_accounted_for() -> None:
    levels = _levels("red hoodie, blue jeans, white sneakers", "navy trousers, red sweatshirt")
    assert levels["clothing_unmatched"] == "0"
    assert levels["clothing"] == "2"


def test_a_garment_of_another_kind_in_its_place_is_unmatched() -> None:
    # shorts where the guardian wrote trousers; a jacket the guardian never mentioned
    assert _levels("red hoodie, blue jeans", "red hoodie, blue shorts")["clothing_unmatched"] == "1"
    levels = _levels("red hoodie, blue jeans", "red hoodie, blue jeans, green raincoat")
    assert levels["clothing_unmatched"] == "1"
    assert levels["clothing"] == "2"
    two = _levels("red hoodie, blue jeans", "yellow dress, green raincoat, red hoodie")
    assert two["clothing_unmatched"] == "2"


def test_a_near_kind_alone_is_not_the_same_garment() -> None:
    # a hoodie for a sweater could be one garment seen by two people, but the right child's
    # clothes were named in the same kind in every development pair, so it is not counted
    # as a match and counts as unmatched
    levels = _levels("red sweater, blue jeans", "red hoodie, blue jeans")
    assert levels["clothing"] == "1"
    assert levels["clothing_unmatched"] == "1"


def test_the_same_kind_is_preferred_to_a_near_one() -> None:
    # the hoodie pairs with the hoodie (colour differs), not with the red sweater
    levels = _levels("red sweater, green hoodie", "red hoodie")
    assert levels["clothing_unmatched"] == "0c"  # all accounted for, one in another colour
    assert levels["clothing_conflict"] == "1"


def test_all_accounted_for_in_their_colours_is_the_strongest_level() -> None:
    w = M.weights["clothing_unmatched"]
    assert w["0"] > w["0c"] > w["1"] >= w["2"]


def test_no_clothing_on_either_side_says_nothing() -> None:
    assert _levels("", "red hoodie")["clothing_unmatched"] == "none"
    assert _levels("red hoodie", "")["clothing_unmatched"] == "none"


def test_an_unmatched_garment_lowers_the_score_and_is_explained() -> None:
    m = missing(clothing="red hoodie, blue jeans", given_name="Sofia")
    same = M.score_pair(m, found(clothing="red hoodie, blue jeans", given_name="Sofia"))
    other = M.score_pair(m, found(clothing="red hoodie, yellow shorts", given_name="Sofia"))
    assert same is not None and other is not None
    assert other.score < same.score
    said = other.reasons
    assert any("shorts" in r and "jeans" in r for r in said), said
