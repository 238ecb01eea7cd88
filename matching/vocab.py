"""Descriptions: colour words and families, garments, carried items, hair.

Officers and guardians describe the same thing differently ("navy hoodie" / "blue
sweatshirt"), so every word is reduced to a family before comparing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
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
        # Spanish, French, Portuguese (masculine singular: `_lookup` folds the endings)
        "rojo": "red",
        "colorado": "red",
        "rouge": "red",
        "vermelho": "red",
        "vino": "red purple",
        "guinda": "red purple",
        "bordeaux": "red purple",
        "rosado": "pink",
        "fucsia": "pink purple",
        "naranja": "orange",
        "anaranjado": "orange",
        "laranja": "orange",
        "amarillo": "yellow",
        "jaune": "yellow",
        "amarelo": "yellow",
        "dorado": "yellow",
        "dore": "yellow",
        "dourado": "yellow",
        "verde": "green",
        "vert": "green",
        "azul": "blue",
        "bleu": "blue",
        "marino": "blue",
        "marine": "blue",
        "celeste": "blue",
        "mezclilla": "blue",
        "turquesa": "blue green",
        "morado": "purple",
        "purpura": "purple",
        "violeta": "purple",
        "lila": "purple",
        "roxo": "purple",
        "cafe": "brown",
        "marron": "brown",
        "marrom": "brown",
        "castano": "brown",
        "brun": "brown",
        "negro": "black",
        "noir": "black",
        "preto": "black",
        "oscuro": "black blue brown",
        "blanco": "white",
        "blanc": "white",
        "branco": "white",
        "gris": "grey",
        "cinza": "grey",
        "cinzento": "grey",
        "plateado": "grey",
        "argente": "grey",
        "rayado": "multi",
        "raye": "multi",
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
    "sundress": ("body", "dress"),
    "gown": ("body", "dress"),
    "romper": ("body", "overalls"),
    "playsuit": ("body", "overalls"),
    "swimsuit": ("body", "swimwear"),
    "swimming costume": ("body", "swimwear"),
    "tracksuit": ("body", "tracksuit"),
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
    # Spanish, French, Portuguese (singular: `_lookup` folds plurals and endings)
    "camiseta": ("top", "shirt"),
    "playera": ("top", "shirt"),
    "remera": ("top", "shirt"),
    "polera": ("top", "shirt"),
    "camisa": ("top", "shirt"),
    "blusa": ("top", "shirt"),
    "chemise": ("top", "shirt"),
    "chemisier": ("top", "shirt"),
    "maillot": ("top", "shirt"),
    "sudadera": ("top", "hoodie"),
    "buzo": ("top", "hoodie"),
    "canguro": ("top", "hoodie"),
    "sweat": ("top", "hoodie"),
    "moletom": ("top", "hoodie"),
    "sueter": ("top", "sweater"),
    "chompa": ("top", "sweater"),
    "pull": ("top", "sweater"),
    "gilet": ("top", "sweater"),
    "chaqueta": ("outer", "jacket"),
    "chamarra": ("outer", "jacket"),
    "campera": ("outer", "jacket"),
    "abrigo": ("outer", "jacket"),
    "impermeable": ("outer", "jacket"),
    "veste": ("outer", "jacket"),
    "blouson": ("outer", "jacket"),
    "manteau": ("outer", "jacket"),
    "casaco": ("outer", "jacket"),
    "jaqueta": ("outer", "jacket"),
    "pantalon": ("legs", "pants"),
    "vaquero": ("legs", "pants"),
    "jean": ("legs", "pants"),
    "calca": ("legs", "pants"),
    "mallas": ("legs", "leggings"),
    "leggins": ("legs", "leggings"),
    "collant": ("legs", "leggings"),
    "short": ("legs", "shorts"),
    "bermuda": ("legs", "shorts"),
    "falda": ("legs", "skirt"),
    "pollera": ("legs", "skirt"),
    "jupe": ("legs", "skirt"),
    "saia": ("legs", "skirt"),
    "vestido": ("body", "dress"),
    "robe": ("body", "dress"),
    "overol": ("body", "overalls"),
    "peto": ("body", "overalls"),
    "salopette": ("body", "overalls"),
    "macacao": ("body", "overalls"),
    "pijama": ("body", "pajamas"),
    "uniforme": ("body", "uniform"),
    "tenis": ("feet", "sneakers"),
    "zapatilla": ("feet", "sneakers"),
    "deportivo": ("feet", "sneakers"),
    "basket": ("feet", "sneakers"),
    "bota": ("feet", "boots"),
    "botte": ("feet", "boots"),
    "sandalia": ("feet", "sandals"),
    "chancla": ("feet", "sandals"),
    "chancleta": ("feet", "sandals"),
    "sandale": ("feet", "sandals"),
    "tong": ("feet", "sandals"),
    "chinelo": ("feet", "sandals"),
    "zapato": ("feet", "shoes"),
    "chaussure": ("feet", "shoes"),
    "sapato": ("feet", "shoes"),
    "gorra": ("head", "hat"),
    "gorro": ("head", "hat"),
    "sombrero": ("head", "hat"),
    "casquette": ("head", "hat"),
    "chapeau": ("head", "hat"),
    "bonnet": ("head", "hat"),
    "bone": ("head", "hat"),
    "bufanda": ("neck", "scarf"),
    "echarpe": ("neck", "scarf"),
    "cachecol": ("neck", "scarf"),
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
    # Spanish, French, Portuguese (singular; diminutives -ito/-inho listed)
    "perro": "dog",
    "perrito": "dog",
    "chien": "dog",
    "cachorro": "dog",
    "gato": "cat",
    "gatito": "cat",
    "chat": "cat",
    "oso": "bear",
    "osito": "bear",
    "ours": "bear",
    "nounours": "bear",
    "urso": "bear",
    "ursinho": "bear",
    "conejo": "rabbit",
    "conejito": "rabbit",
    "lapin": "rabbit",
    "coelho": "rabbit",
    "dinosaurio": "dinosaur",
    "dinosaure": "dinosaur",
    "dinossauro": "dinosaur",
    "pelota": "ball",
    "balon": "ball",
    "ballon": "ball",
    "bola": "ball",
    "mochila": "bag",
    "bolsa": "bag",
    "sac": "bag",
    "cartable": "bag",
    "cobija": "blanket",
    "manta": "blanket",
    "mantita": "blanket",
    "couverture": "blanket",
    "cobertor": "blanket",
    "muneca": "doll",
    "poupee": "doll",
    "boneca": "doll",
    "carrito": "car",
    "coche": "car",
    "voiture": "car",
    "carrinho": "car",
    "libro": "book",
    "livre": "book",
    "livro": "book",
    "globo": "balloon",
    "biberon": "bottle",
    "botella": "bottle",
    "mamila": "bottle",
    "chupete": "pacifier",
    "chupon": "pacifier",
    "tetine": "pacifier",
    "chupeta": "pacifier",
    "celular": "phone",
    "telefono": "phone",
    "paraguas": "umbrella",
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
    "negro": "dark",
    "oscuro": "dark",
    "noir": "dark",
    "preto": "dark",
    "castano": "brown",
    "cafe": "brown",
    "marron": "brown",
    "brun": "brown",
    "rubio": "fair",
    "guero": "fair",
    "loiro": "fair",
    "pelirrojo": "red",
    "roux": "red",
    "ruivo": "red",
    "canoso": "grey",
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
    "bob": "bob",
    "pixie": "short",
    "ponytail": "long",
    "pigtails": "long",
    "long": "long",
    "bun": "long",
    "rizado": "curly",
    "crespo": "curly",
    "ondulado": "curly",
    "frise": "curly",
    "boucle": "curly",
    "cacheado": "curly",
    "lacio": "straight",
    "liso": "straight",
    "raide": "straight",
    "trenza": "braids",
    "tresse": "braids",
    "tranca": "braids",
    "rapado": "short",
    "corto": "short",
    "court": "short",
    "curto": "short",
    "largo": "long",
    "coleta": "long",
    "chongo": "long",
    "longo": "long",
}
_HAIR_SHADES = frozenset({"dark", "light", "oscuro", "claro"})
# Hair style words that do not contradict each other although they differ: a bob is a short
# cut, and a cut ("bob", "ponytail") says nothing about texture ("straight", "curly").
# Other differing styles disagree ("curly" / "shaved", "bob" / "ponytail").
_STYLE_SAME = frozenset({frozenset({"bob", "short"})})
_STYLE_SILENT = frozenset(
    frozenset({cut, texture}) for cut in ("bob", "long") for texture in ("straight", "curly")
)
# "light brown" is brown, not fair; "dark brown" is brown too.
_HAIR_PHRASES: dict[str, str] = {"light brown": "brown", "dark brown": "brown"}


def _forms(tok: str) -> tuple[str, ...]:
    """The token and its singular / masculine forms (Spanish, French, Portuguese endings:
    rojas -> roja -> rojo, azules -> azul, blanche -> blanc, bleue -> bleu)."""
    out = [tok]
    if len(tok) < 4:
        return (tok,)
    if tok.endswith("es"):
        out.append(tok[:-2])
    if tok.endswith("s"):
        out.append(tok[:-1])
    for t in list(out):
        if t.endswith("a"):
            out.append(t[:-1] + "o")
        if t.endswith("che"):
            out.append(t[:-2])
        if t.endswith("ette"):
            out.append(t[:-3])
        if t.endswith("e"):
            out.append(t[:-1])
    return tuple(out)


@lru_cache(maxsize=65536)
def _lookup(tok: str, table: str) -> str | None:
    """The entry of `tok` in one of the word tables, trying its other endings."""
    words = _TABLES[table]
    for t in _forms(tok):
        if t in words:
            return t
    return None


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
    word = _lookup(toks[i], "garments")
    return (word, 1) if word is not None else None


def _colour(tok: str) -> frozenset[str]:
    word = _lookup(tok, "colours")
    return COLOURS[word] if word is not None else frozenset()


@lru_cache(maxsize=65536)
def garments(text: str) -> tuple[Garment, ...]:
    """Garments in a clothing description, each with the colours written before it."""
    out: list[Garment] = []
    for piece in _AND.sub(",", text.replace(";", ",")).split(","):
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
            colours |= _colour(toks[i])
            i += 1
            continue
        word, width = hit
        slot, cat = _GARMENTS[word]
        words = " ".join(toks[start : i + width])
        if out and start == i and out[-1].slot == slot:
            # two garment words in a row name one garment ("puffer jacket", "polo shirt"):
            # its colours are those written before the first
            last = out.pop()
            colours, words = set(last.colours), f"{last.words} {words}"
        out.append(Garment(slot, cat, frozenset(colours), words))
        colours, i = set(), i + width
        start = i
    if colours and out and not out[-1].colours:
        # colour after the garment ("camiseta roja", "pantalon de mezclilla", "robe bleue")
        last = out[-1]
        words = f"{last.words} {' '.join(toks[start:])}"
        out[-1] = Garment(last.slot, last.category, frozenset(colours), words)
    return tuple(out)


# _NEAR as ordered pairs: a tuple lookup, no frozenset built per comparison (hot path)
_NEAR_PAIRS = frozenset(
    (a, b) for pair in _NEAR if len(pair) == 2 for a in pair for b in pair if a != b
)


def same_garment(a: Garment, b: Garment) -> bool:
    """Whether two garments can be the same piece of clothing."""
    return a.category == b.category or (a.category, b.category) in _NEAR_PAIRS


def colours_agree(a: frozenset[str], b: frozenset[str]) -> bool | None:
    """True/False when both name colours, None when either does not."""
    if not a or not b:
        return None
    return bool(a & b) or "multi" in a or "multi" in b


@lru_cache(maxsize=4096)
def styles_agree(a: frozenset[str], b: frozenset[str]) -> bool | None:
    """Hair styles: True when they share a word (or a bob meets "short"), None when either
    names none or every pair of their words is silent about the other (a cut and a texture),
    False otherwise."""
    if not a or not b:
        return None
    if a & b:
        return True
    pairs = [frozenset((x, y)) for x in a for y in b]
    if any(p in _STYLE_SAME for p in pairs):
        return True
    return None if all(p in _STYLE_SILENT for p in pairs) else False


@lru_cache(maxsize=65536)
def items(text: str) -> frozenset[str]:
    """Kinds of things carried: 'plush dog' and 'stuffed puppy' are both {'dog'}."""
    toks = tokens(text)
    found = {_ITEMS[w] for t in toks if (w := _lookup(t, "items")) is not None}
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
    # "dark blond" is blond, "light red" red: a shade word before a colour is no colour
    toks = [
        t
        for i, t in enumerate(toks)
        if not (
            t in _HAIR_SHADES
            and i + 1 < len(toks)
            and _lookup(toks[i + 1], "hair_colour") not in (None, *_HAIR_SHADES)
        )
    ]
    colours |= {_HAIR_COLOUR[w] for t in toks if (w := _lookup(t, "hair_colour")) is not None}
    styles = {_HAIR_STYLE[w] for t in toks if (w := _lookup(t, "hair_style")) is not None}
    if "very short" in folded or "buzz cut" in folded or "short" in toks:
        styles.add("short")
    return frozenset(colours), frozenset(styles)


_TABLES: dict[str, Collection[str]] = {
    "colours": COLOURS,
    "garments": _GARMENTS,
    "items": _ITEMS,
    "hair_colour": _HAIR_COLOUR,
    "hair_style": _HAIR_STYLE,
}
# "and", "with" in the languages above separate garments like a comma
_AND = re.compile(r"\s(?:and|with|y|e|et|con|avec|com)\s", re.IGNORECASE)


@lru_cache(maxsize=256)
def near_categories(category: str) -> tuple[str, ...]:
    """The category and those `same_garment` accepts as the same piece of clothing."""
    near = {c for pair in _NEAR if category in pair for c in pair}
    return tuple(sorted(near | {category}))
