"""Descriptions: colour words and families, garments, carried items, hair.

Officers and guardians describe the same thing differently ("navy hoodie" / "blue
sweatshirt"), so every word is reduced to a family before comparing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

from matching.text import tokens

# colour word -> families it can be seen as (a shade sits between two families).
COLOURS: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "red": "red",
        "crimson": "red",
        "scarlet": "red",
        "cherry": "red",
        "maroon": "red brown",
        "burgundy": "red purple",
        "wine": "red purple",
        "pink": "pink",
        "rose": "pink",
        "fuchsia": "pink purple",
        "magenta": "pink purple",
        "salmon": "pink orange",
        "coral": "pink orange",
        "peach": "orange pink",
        "orange": "orange",
        "rust": "orange red brown",
        "amber": "orange yellow",
        "yellow": "yellow",
        "mustard": "yellow orange",
        "gold": "yellow",
        "golden": "yellow",
        "lemon": "yellow",
        "green": "green",
        "olive": "green brown",
        "lime": "green",
        "khaki": "green brown",
        "mint": "green",
        "emerald": "green",
        "teal": "green blue",
        "turquoise": "blue green",
        "blue": "blue",
        "navy": "blue",
        "azure": "blue",
        "cyan": "blue",
        "denim": "blue",
        "cobalt": "blue",
        "indigo": "blue purple",
        "sky": "blue",
        "purple": "purple",
        "violet": "purple",
        "lilac": "purple",
        "lavender": "purple",
        "plum": "purple",
        "mauve": "purple pink",
        "brown": "brown",
        "tan": "brown",
        "beige": "brown white",
        "camel": "brown",
        "chocolate": "brown",
        "coffee": "brown",
        "black": "black",
        "dark": "black blue brown",
        "charcoal": "grey black",
        "white": "white",
        "cream": "white",
        "ivory": "white",
        "offwhite": "white",
        "grey": "grey",
        "gray": "grey",
        "silver": "grey",
        "ash": "grey",
        "multicolor": "multi",
        "multicoloured": "multi",
        "multicolored": "multi",
        "rainbow": "multi",
        "striped": "multi",
        "camo": "green brown",
    }.items()
}

_SHADES = frozenset({"dark", "light", "bright", "pale", "deep", "pastel", "neon"})

# garment words -> (slot, category). Phrases (two words) are checked before single words.
_GARMENTS: dict[str, tuple[str, str]] = {
    "hooded top": ("top", "hoodie"),
    "hooded sweatshirt": ("top", "hoodie"),
    "hoodie": ("top", "hoodie"),
    "hoody": ("top", "hoodie"),
    "sweatshirt": ("top", "hoodie"),
    "sweater": ("top", "sweater"),
    "jumper": ("top", "sweater"),
    "pullover": ("top", "sweater"),
    "cardigan": ("top", "sweater"),
    "fleece": ("top", "sweater"),
    "t shirt": ("top", "shirt"),
    "tshirt": ("top", "shirt"),
    "tee": ("top", "shirt"),
    "shirt": ("top", "shirt"),
    "top": ("top", "shirt"),
    "blouse": ("top", "shirt"),
    "polo": ("top", "shirt"),
    "tank": ("top", "shirt"),
    "vest": ("top", "shirt"),
    "jersey": ("top", "shirt"),
    "jacket": ("outer", "jacket"),
    "coat": ("outer", "jacket"),
    "parka": ("outer", "jacket"),
    "anorak": ("outer", "jacket"),
    "windbreaker": ("outer", "jacket"),
    "raincoat": ("outer", "jacket"),
    "puffer": ("outer", "jacket"),
    "denim pants": ("legs", "pants"),
    "jeans": ("legs", "pants"),
    "pants": ("legs", "pants"),
    "trousers": ("legs", "pants"),
    "slacks": ("legs", "pants"),
    "joggers": ("legs", "pants"),
    "sweatpants": ("legs", "pants"),
    "trackpants": ("legs", "pants"),
    "leggings": ("legs", "leggings"),
    "tights": ("legs", "leggings"),
    "shorts": ("legs", "shorts"),
    "skirt": ("legs", "skirt"),
    "dress": ("body", "dress"),
    "overalls": ("body", "overalls"),
    "dungarees": ("body", "overalls"),
    "jumpsuit": ("body", "overalls"),
    "onesie": ("body", "overalls"),
    "pajamas": ("body", "pajamas"),
    "pyjamas": ("body", "pajamas"),
    "uniform": ("body", "uniform"),
    "tennis shoes": ("feet", "sneakers"),
    "running shoes": ("feet", "sneakers"),
    "sneakers": ("feet", "sneakers"),
    "trainers": ("feet", "sneakers"),
    "runners": ("feet", "sneakers"),
    "kicks": ("feet", "sneakers"),
    "rain boots": ("feet", "boots"),
    "boots": ("feet", "boots"),
    "wellies": ("feet", "boots"),
    "wellingtons": ("feet", "boots"),
    "gumboots": ("feet", "boots"),
    "flip flops": ("feet", "sandals"),
    "flipflops": ("feet", "sandals"),
    "sandals": ("feet", "sandals"),
    "slides": ("feet", "sandals"),
    "thongs": ("feet", "sandals"),
    "jandals": ("feet", "sandals"),
    "crocs": ("feet", "clogs"),
    "clogs": ("feet", "clogs"),
    "shoes": ("feet", "shoes"),
    "slippers": ("feet", "shoes"),
    "loafers": ("feet", "shoes"),
    "cap": ("head", "hat"),
    "hat": ("head", "hat"),
    "beanie": ("head", "hat"),
    "scarf": ("neck", "scarf"),
}

# Categories that are close enough to count as the same garment, seen by different people.
_NEAR: frozenset[frozenset[str]] = frozenset(
    frozenset(p)
    for p in (
        ("hoodie", "sweater"),
        ("sandals", "clogs"),
        ("shoes", "sneakers"),
        ("shoes", "clogs"),
        ("pants", "leggings"),
        ("jacket", "hoodie"),
        ("jacket", "sweater"),
        ("shirt", "hoodie"),
        ("shirt", "sweater"),
        ("boots", "shoes"),
        ("sneakers", "clogs"),
    )
)

# carried items -> kind. Words that describe the toy's make are ignored ("plush", "stuffed").
_ITEMS: dict[str, str] = {
    "dog": "dog",
    "puppy": "dog",
    "doggy": "dog",
    "doggie": "dog",
    "pup": "dog",
    "cat": "cat",
    "kitten": "cat",
    "kitty": "cat",
    "bear": "bear",
    "teddy": "bear",
    "bunny": "rabbit",
    "rabbit": "rabbit",
    "dino": "dinosaur",
    "dinosaur": "dinosaur",
    "trex": "dinosaur",
    "rex": "dinosaur",
    "raccoon": "raccoon",
    "racoon": "raccoon",
    "elephant": "elephant",
    "unicorn": "unicorn",
    "monkey": "monkey",
    "lion": "lion",
    "giraffe": "giraffe",
    "penguin": "penguin",
    "ball": "ball",
    "football": "ball",
    "soccer": "ball",
    "basketball": "ball",
    "tablet": "tablet",
    "ipad": "tablet",
    "phone": "phone",
    "smartphone": "phone",
    "backpack": "bag",
    "bag": "bag",
    "rucksack": "bag",
    "schoolbag": "bag",
    "purse": "bag",
    "blanket": "blanket",
    "blankie": "blanket",
    "blankey": "blanket",
    "doll": "doll",
    "barbie": "doll",
    "car": "car",
    "truck": "car",
    "book": "book",
    "balloon": "balloon",
    "bottle": "bottle",
    "kite": "kite",
    "scooter": "scooter",
    "bike": "bike",
    "bicycle": "bike",
    "umbrella": "umbrella",
    "pacifier": "pacifier",
    "dummy": "pacifier",
    "binky": "pacifier",
}

# hair words -> colour family or style.
_HAIR_COLOUR: dict[str, str] = {
    "black": "dark",
    "dark": "dark",
    "brown": "brown",
    "brunette": "brown",
    "chestnut": "brown",
    "blond": "fair",
    "blonde": "fair",
    "light": "fair",
    "fair": "fair",
    "golden": "fair",
    "platinum": "fair",
    "red": "red",
    "ginger": "red",
    "auburn": "red",
    "strawberry": "red",
    "grey": "grey",
    "gray": "grey",
    "white": "grey",
}
_HAIR_STYLE: dict[str, str] = {
    "curly": "curly",
    "curls": "curly",
    "afro": "curly",
    "wavy": "curly",
    "kinky": "curly",
    "straight": "straight",
    "braids": "braids",
    "braided": "braids",
    "plaits": "braids",
    "cornrows": "braids",
    "dreadlocks": "braids",
    "locs": "braids",
    "shaved": "short",
    "buzz": "short",
    "buzzed": "short",
    "bald": "short",
    "crew": "short",
    "ponytail": "long",
    "pigtails": "long",
    "long": "long",
    "bun": "long",
}
# "light brown" is brown, not fair; "dark brown" is brown too.
_HAIR_PHRASES: dict[str, str] = {"light brown": "brown", "dark brown": "brown"}


@dataclass(frozen=True, slots=True)
class Garment:
    slot: str
    category: str
    colours: frozenset[str]  # families
    words: str  # as written, folded, for the reason


def _phrase_at(toks: list[str], i: int) -> tuple[str, int] | None:
    if i + 1 < len(toks):
        two = f"{toks[i]} {toks[i + 1]}"
        if two in _GARMENTS:
            return two, 2
    if toks[i] in _GARMENTS:
        return toks[i], 1
    return None


@lru_cache(maxsize=65536)
def garments(text: str) -> tuple[Garment, ...]:
    """Garments in a clothing description, each with the colours written before it."""
    out: list[Garment] = []
    for piece in text.replace(";", ",").replace(" and ", ",").split(","):
        out.extend(_piece_garments(piece.strip()))
    return tuple(out)


@lru_cache(maxsize=65536)
def _piece_garments(piece: str) -> tuple[Garment, ...]:
    # One comma-separated piece ("navy hoodie"): pieces repeat across reports far more
    # than whole descriptions do, so they are cached (and their Garments shared).
    out: list[Garment] = []
    toks = tokens(piece)
    colours: set[str] = set()
    start = 0
    i = 0
    while i < len(toks):
        hit = _phrase_at(toks, i)
        shade = toks[i] in _SHADES and i + 1 < len(toks) and toks[i + 1] in COLOURS
        if hit is None and shade:
            i += 1  # "dark blue" is blue: the shade word is not a colour of its own
            continue
        if hit is None:
            colours |= COLOURS.get(toks[i], frozenset())
            i += 1
            continue
        word, width = hit
        slot, cat = _GARMENTS[word]
        out.append(Garment(slot, cat, frozenset(colours), " ".join(toks[start : i + width])))
        colours, i = set(), i + width
        start = i
    return tuple(out)


def same_garment(a: Garment, b: Garment) -> bool:
    """Whether two garments can be the same piece of clothing."""
    return a.category == b.category or frozenset((a.category, b.category)) in _NEAR


def colours_agree(a: frozenset[str], b: frozenset[str]) -> bool | None:
    """True/False when both name colours, None when either does not."""
    if not a or not b:
        return None
    return bool(a & b) or "multi" in a or "multi" in b


@lru_cache(maxsize=65536)
def items(text: str) -> frozenset[str]:
    """Kinds of things carried: 'plush dog' and 'stuffed puppy' are both {'dog'}."""
    toks = tokens(text)
    found = {_ITEMS[t] for t in toks if t in _ITEMS}
    for a, b in itertools.pairwise(toks):
        if a == "t" and b == "rex":
            found.add("dinosaur")
    return frozenset(found)


@lru_cache(maxsize=65536)
def hair(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(colour families, styles) of a hair description."""
    folded = " ".join(tokens(text))
    colours: set[str] = set()
    for phrase, fam in _HAIR_PHRASES.items():
        if phrase in folded:
            colours.add(fam)
            folded = folded.replace(phrase, " ")
    toks = folded.split()
    colours |= {_HAIR_COLOUR[t] for t in toks if t in _HAIR_COLOUR}
    styles = {_HAIR_STYLE[t] for t in toks if t in _HAIR_STYLE}
    if "very short" in folded or "buzz cut" in folded or "short" in toks:
        styles.add("short")
    return frozenset(colours), frozenset(styles)


@lru_cache(maxsize=256)
def near_categories(category: str) -> tuple[str, ...]:
    """The category and those `same_garment` accepts as the same piece of clothing."""
    near = {c for pair in _NEAR if category in pair for c in pair}
    return tuple(sorted(near | {category}))
