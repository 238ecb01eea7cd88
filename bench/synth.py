"""Synthetic child reports at scale, generated in code (no record of the dev set is copied).

    .venv/bin/python bench/synth.py --missing 500000 --found 2700 --out /tmp/synth

writes MISSING.jsonl, FOUND.jsonl and truth.jsonl in the contract's format.

Names come from several languages and scripts (English, Spanish, Vietnamese, Chinese in
pinyin and Han, Arabic in Arabic script and Latin, Russian/Ukrainian in Cyrillic and Latin,
Hindi in Devanagari and Latin) with nicknames and diminutives, spelling mistakes and letter
case variation. A found report is what an officer writes about a child who belongs to one
missing report (or to none): the name the child gave (a nickname, another script, a
misspelling, or nothing), an age estimate whose error grows with age, the clothing in other
words, and a place and time that depend on the scene:

- ``ordinary``: spread over several cities and weeks; found within hours, walking distance.
- ``fair``: thousands of children within 2 km in the same afternoon; place and time tell
  nothing.
- ``disaster``: children last seen across a 30 km region, found 1-7 days later at shelters
  10-60 km away.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

Report = dict[str, Any]

# ---- names -------------------------------------------------------------------------------
# (form a guardian writes, other scripts/spellings of the same name, nicknames the child uses)
Name = tuple[str, tuple[str, ...], tuple[str, ...]]


def _n(spec: str) -> Name:
    """'José|Jose|Pepe,Pepito' -> ('José', ('Jose',), ('Pepe', 'Pepito'))."""
    parts = spec.split("|")
    main = parts[0]
    alts = tuple(a for a in (parts[1].split(",") if len(parts) > 1 else []) if a)
    nicks = tuple(a for a in (parts[2].split(",") if len(parts) > 2 else []) if a)
    return main, alts, nicks


@dataclass(frozen=True)
class Language:
    code: str
    weight: float
    boys: tuple[Name, ...]
    girls: tuple[Name, ...]
    families: tuple[Name, ...]
    hair: tuple[str, ...]


def _lang(code: str, weight: float, boys: str, girls: str, families: str, hair: str) -> Language:
    return Language(
        code,
        weight,
        tuple(_n(s) for s in boys.split(";")),
        tuple(_n(s) for s in girls.split(";")),
        tuple(_n(s) for s in families.split(";")),
        tuple(hair.split(";")),
    )


LANGUAGES: tuple[Language, ...] = (
    _lang(
        "en",
        0.22,
        "William||Will,Billy,Liam;James||Jimmy,Jamie;Robert||Bobby,Rob;Michael||Mikey,Mike;"
        "Benjamin||Ben,Benny;Jonathan|Jonathon|Jon,Johnny;Samuel||Sam,Sammy;Oliver||Ollie;"
        "Theodore||Theo,Teddy;Christopher||Chris,Kit;Nicholas||Nick,Nicky;Henry||Harry,Hank;"
        "Noah;Lucas||Luke;Jackson||Jack,Jax;Matthew||Matt,Matty;Daniel||Danny,Dan;Ethan;"
        "Owen;Caleb;Isaac||Ike;Joshua||Josh;Andrew||Andy,Drew;Elijah||Eli",
        "Elizabeth||Lizzie,Beth,Eliza,Liz;Katherine|Catherine|Katie,Kate,Kathy;Margaret||Maggie,"
        "Meg,Peggy;Olivia||Liv,Livvy;Emma||Em;Charlotte||Charlie,Lottie;Amelia||Millie,Amy;"
        "Abigail||Abby;Isabella||Izzy,Bella;Harper;Ava;Mia;Evelyn||Evie;Madison||Maddie;"
        "Victoria||Tori,Vicky;Rebecca||Becky;Jessica||Jess,Jessie;Hannah;Chloe;Grace||Gracie;"
        "Penelope||Penny;Eleanor||Ellie,Nora",
        "Smith;Johnson;Williams;Brown;Jones;Miller;Davis;Wilson;Anderson;Taylor;Thomas;Moore;"
        "Jackson;Martin;Thompson;White;Harris;Clark;Lewis;Robinson;Walker;Young;Allen;King;"
        "Wright;Scott;Hill;Green;Adams;Baker;Nelson;Carter;Mitchell;Roberts;Campbell;Parker",
        "blonde straight;brown wavy;light brown;red curly;dark brown;blond ponytail;"
        "brown short;ginger",
    ),
    _lang(
        "es",
        0.22,
        "José|Jose|Pepe,Pepito,Chepe;Francisco||Paco,Pancho,Curro;Alejandro||Ale,Alex;"
        "Santiago||Santi,Tiago;Mateo|Matteo|Teo;Diego;Jesús|Jesus|Chuy,Chucho;"
        "Fernando||Nando,Fer;Manuel||Manolo,Manu;Rafael||Rafa;Ignacio||Nacho;"
        "Eduardo||Lalo;Guillermo||Memo;Enrique||Quique;Antonio||Toño,Tono;"
        "Sebastián|Sebastian|Sebas;Emiliano||Emi;Andrés|Andres|;Joaquín|Joaquin|Quino;"
        "Gabriel||Gabi;Carlos||Carlitos;Luis||Lucho;Javier||Javi;Miguel||Migue",
        "Guadalupe||Lupita,Lupe;Sofía|Sofia|Sofi;Valentina||Vale,Valen;Camila||Cami;"
        "Lucía|Lucia|Lu;Isabella||Isa,Bella;Dolores||Lola,Lolita;Daniela||Dani;"
        "Gabriela||Gabi;Concepción|Concepcion|Concha,Conchita;Rosario||Charo;"
        "Teresa||Tere,Teresita;Mariana||Mari;Valeria||Vale;Ximena|Jimena|Xime;"
        "Carmen||Carmencita;Natalia||Nati;Fernanda||Fer,Ferchu;Renata||Rena;"
        "Paula||Pau;Victoria||Vicky;María José|Maria Jose|Majo",
        "García|Garcia;Rodríguez|Rodriguez;Martínez|Martinez;Hernández|Hernandez;López|Lopez;"
        "González|Gonzalez;Pérez|Perez;Sánchez|Sanchez;Ramírez|Ramirez;Torres;Flores;"
        "Rivera;Gómez|Gomez;Díaz|Diaz;Cruz;Morales;Reyes;Ortiz;Gutiérrez|Gutierrez;"
        "Chávez|Chavez;Ruiz;Jiménez|Jimenez;Mendoza;Vargas;Castillo;Romero;Herrera;Medina",
        "black straight;dark brown;black curly;brown wavy;black braids;brown ponytail",
    ),
    _lang(
        "vi",
        0.1,
        "Minh;Huy;Quân|Quan|;Khoa;Bảo|Bao|;Tuấn|Tuan|;Dũng|Dung|;Hải|Hai|;Long;Nam;"
        "Đức|Duc|;Phúc|Phuc|;Thành|Thanh|;Hiếu|Hieu|;Khang;Vinh;Tùng|Tung|;Trí|Tri|",
        "Anh;Linh;Thảo|Thao|;Trang;Phương|Phuong|;Ngọc|Ngoc|;Hương|Huong|;Thu;Mai;Lan;"
        "Hoa;Vy|Vi|;Khánh|Khanh|;Châu|Chau|;Nhung;Yến|Yen|;Hằng|Hang|;Diệp|Diep|",
        "Nguyễn|Nguyen,Nguyen;Trần|Tran;Lê|Le;Phạm|Pham;Hoàng|Hoang;Huỳnh|Huynh;"
        "Phan;Vũ|Vu;Võ|Vo;Đặng|Dang;Bùi|Bui;Đỗ|Do;Hồ|Ho;Ngô|Ngo;Dương|Duong;Lý|Ly",
        "black straight;black short;black ponytail;dark brown",
    ),
    _lang(
        "zh",
        0.1,
        "伟|Wei|;强|Qiang|;磊|Lei|;军|Jun|;洋|Yang|;勇|Yong|;杰|Jie|;涛|Tao|;明|Ming|;"
        "浩然|Haoran|;子轩|Zixuan|;宇轩|Yuxuan|;俊杰|Junjie|;博文|Bowen|;天佑|Tianyou|",
        "芳|Fang|;娜|Na|;敏|Min|;静|Jing|;丽|Li|;艳|Yan|;秀英|Xiuying|;梓涵|Zihan|;"
        "一诺|Yinuo|;欣怡|Xinyi|;诗涵|Shihan|;雨桐|Yutong|;佳怡|Jiayi|;思琪|Siqi|",
        "王|Wang;李|Li,Lee;张|Zhang,Chang;刘|Liu;陈|Chen,Chan;杨|Yang;黄|Huang,Wong;赵|Zhao;"
        "吴|Wu;周|Zhou,Chow;徐|Xu;孙|Sun;马|Ma;朱|Zhu;胡|Hu;郭|Guo;何|He;林|Lin,Lam",
        "black straight;black short;black bob;black ponytail",
    ),
    _lang(
        "ar",
        0.12,
        "محمد|Muhammad,Mohammed,Mohamed|Mo,Hamoudi;أحمد|Ahmed,Ahmad|;علي|Ali|;"
        "عمر|Omar,Umar|;يوسف|Yusuf,Youssef,Yousef|Joe;إبراهيم|Ibrahim|Ibra;"
        "حسن|Hassan,Hasan|;حسين|Hussein,Husain|;خالد|Khalid,Khaled|;يحيى|Yahya|;"
        "آدم|Adam|;رامي|Rami|;كريم|Karim,Kareem|;سامي|Sami,Samy|;زياد|Ziad,Ziyad|",
        "فاطمة|Fatima,Fatma|Fati;عائشة|Aisha,Ayesha|;مريم|Maryam,Mariam|;"
        "زينب|Zainab,Zaynab|;خديجة|Khadija,Khadijah|;ليلى|Layla,Leila|;نور|Nour,Noor|;"
        "سارة|Sara,Sarah|;سلمى|Salma|;هدى|Huda,Houda|;رنا|Rana|;ياسمين|Yasmin,Yasmine|Yasi;"
        "دينا|Dina|;أمل|Amal|",
        "الحسن|Al-Hassan,Alhassan;حداد|Haddad;خوري|Khoury,Khouri;منصور|Mansour,Mansur;"
        "سعيد|Saeed,Said;عباس|Abbas;يوسف|Youssef;حمدان|Hamdan;نصر|Nasr,Nasser;"
        "عثمان|Othman,Osman;صالح|Saleh,Salih;قاسم|Qasim,Kassem",
        "black curly;dark brown;black straight;brown curly",
    ),
    _lang(
        "ru",
        0.12,
        "Дмитрий|Dmitry,Dmitri,Dmitriy|Dima,Mitya;Александр|Alexander,Aleksandr|Sasha,Shura;"
        "Михаил|Mikhail|Misha;Иван|Ivan|Vanya;Сергей|Sergei,Sergey|Seryozha;"
        "Николай|Nikolai|Kolya;Алексей|Alexei,Aleksei|Lyosha,Alyosha;"
        "Артём|Artyom,Artem|Tyoma;Максим|Maksim,Maxim|Max;Андрей|Andrei,Andriy|Andryusha;"
        "Богдан|Bohdan,Bogdan|Bodya;Тарас|Taras|;Егор|Yegor,Egor|",
        "Наталья|Natalia,Natalya|Natasha;Дарья|Daria,Darya|Dasha;"
        "Екатерина|Ekaterina,Yekaterina|Katya;Анна|Anna|Anya;Анастасия|Anastasia|Nastya;"
        "Татьяна|Tatiana,Tatyana|Tanya;Ольга|Olga|Olya;Елена|Elena,Yelena|Lena;"
        "Юлия|Yulia,Yuliya|Yulya;Мария|Maria,Mariya|Masha;Полина|Polina|Polya;"
        "Ксения|Ksenia,Kseniya|Ksyusha;Виктория|Viktoria,Victoria|Vika;Оксана|Oksana|",
        "Иванов|Ivanov;Смирнов|Smirnov;Кузнецов|Kuznetsov;Попов|Popov;Васильев|Vasiliev;"
        "Петров|Petrov;Соколов|Sokolov;Михайлов|Mikhailov;Новиков|Novikov;Морозов|Morozov;"
        "Волков|Volkov;Шевченко|Shevchenko;Коваленко|Kovalenko;Бондаренко|Bondarenko;"
        "Ткаченко|Tkachenko;Мельник|Melnyk,Melnik",
        "blonde straight;light brown;brown straight;dark blond;red;blond braids",
    ),
    _lang(
        "hi",
        0.12,
        "अर्जुन|Arjun|;आरव|Aarav,Arav|;विवान|Vivaan,Vivan|;रोहन|Rohan|;"
        "कृष्णा|Krishna|Krish;आदित्य|Aditya|Adi;राहुल|Rahul|;सौरभ|Saurabh,Sourabh|;"
        "विक्रम|Vikram|Vicky;गणेश|Ganesh|;अयान|Ayaan,Ayan|;इशान|Ishaan,Ishan|",
        "प्रिया|Priya|Pri;अनन्या|Ananya|Anu;दिया|Diya,Dia|;ईशा|Isha,Esha|;"
        "साक्षी|Sakshi|;अनिका|Anika,Annika|;प्रियंका|Priyanka|Pinky,Priya;नेहा|Neha|;"
        "पूजा|Pooja,Puja|;लक्ष्मी|Lakshmi,Laxmi|;कविता|Kavita,Kavitha|;आरोही|Aarohi,Arohi|",
        "शर्मा|Sharma;वर्मा|Verma;गुप्ता|Gupta;सिंह|Singh;पटेल|Patel;कुमार|Kumar;"
        "यादव|Yadav;जोशी|Joshi;मेहता|Mehta;रेड्डी|Reddy;नायर|Nair;अग्रवाल|Agarwal,Aggarwal",
        "black straight;black braids;dark brown;black ponytail;black short",
    ),
)
_LANG_WEIGHTS = [lang.weight for lang in LANGUAGES]

# ---- clothing and items --------------------------------------------------------------------
# family -> words a guardian or an officer may use for it
COLOURS: dict[str, tuple[str, ...]] = {
    "red": ("red", "crimson", "scarlet", "dark red"),
    "pink": ("pink", "rose", "light pink", "hot pink"),
    "orange": ("orange", "bright orange"),
    "yellow": ("yellow", "mustard", "golden"),
    "green": ("green", "lime", "dark green", "mint"),
    "blue": ("blue", "navy", "light blue", "dark blue", "royal blue"),
    "purple": ("purple", "violet", "lilac", "lavender"),
    "brown": ("brown", "tan", "chocolate"),
    "black": ("black",),
    "white": ("white", "cream", "off-white"),
    "grey": ("grey", "gray", "charcoal", "silver"),
}
# slot -> kinds -> words
GARMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "top": {
        "hoodie": ("hoodie", "hooded sweatshirt", "sweatshirt", "hoody"),
        "sweater": ("sweater", "jumper", "pullover", "cardigan"),
        "shirt": ("t-shirt", "tee", "shirt", "top", "polo shirt"),
    },
    "outer": {"jacket": ("jacket", "coat", "raincoat", "windbreaker", "puffer jacket")},
    "legs": {
        "pants": ("jeans", "trousers", "pants", "joggers", "sweatpants"),
        "shorts": ("shorts",),
        "skirt": ("skirt",),
        "leggings": ("leggings", "tights"),
    },
    "body": {"dress": ("dress", "sundress"), "overalls": ("overalls", "dungarees")},
    "feet": {
        "sneakers": ("sneakers", "trainers", "tennis shoes", "running shoes"),
        "sandals": ("sandals", "flip-flops", "slides"),
        "boots": ("boots", "rain boots", "wellies"),
        "clogs": ("crocs", "clogs"),
    },
}
ITEMS: tuple[tuple[str, ...], ...] = (
    ("plush dog", "stuffed puppy", "toy dog"),
    ("teddy bear", "teddy", "stuffed bear"),
    ("toy truck", "toy car", "little car"),
    ("plastic dinosaur", "toy dino", "t-rex toy"),
    ("backpack", "school bag", "rucksack"),
    ("tablet", "ipad"),
    ("balloon", "red balloon"),
    ("blanket", "blankie"),
    ("doll", "barbie doll"),
    ("stuffed bunny", "toy rabbit"),
    ("soccer ball", "football", "ball"),
    ("water bottle", "bottle"),
    ("unicorn plush", "toy unicorn"),
)

# ---- places ---------------------------------------------------------------------------------
CITIES: tuple[tuple[float, float], ...] = (
    (34.05, -118.25),
    (40.71, -74.0),
    (41.88, -87.63),
    (29.76, -95.37),
    (33.45, -112.07),
    (19.43, -99.13),
    (10.82, 106.63),
    (31.23, 121.47),
    (30.04, 31.24),
    (50.45, 30.52),
    (28.61, 77.21),
    (51.51, -0.13),
)
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _offset(lat: float, lon: float, km: float, bearing: float) -> tuple[float, float]:
    dlat = km / 111.0 * math.cos(bearing)
    dlon = km / (111.0 * max(0.2, math.cos(math.radians(lat)))) * math.sin(bearing)
    return round(max(-90.0, min(90.0, lat + dlat)), 6), round(((lon + dlon + 180) % 360) - 180, 6)


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass(frozen=True)
class Scene:
    """Where and when the children of one event are lost and found."""

    kind: str  # ordinary | fair | disaster
    lat: float
    lon: float
    start: datetime
    shelters: tuple[tuple[float, float], ...] = ()


class Synth:
    """Deterministic generator (seeded)."""

    def __init__(self, seed: int = 7) -> None:
        self.rnd = random.Random(seed)

    # -- scenes ----------------------------------------------------------------------------

    def scene(self, kind: str) -> Scene:
        r = self.rnd
        lat, lon = r.choice(CITIES)
        lat, lon = _offset(lat, lon, r.uniform(0, 20), r.uniform(0, 2 * math.pi))
        start = T0 + timedelta(days=r.uniform(-30, 30))
        shelters: tuple[tuple[float, float], ...] = ()
        if kind == "disaster":
            shelters = tuple(
                _offset(lat, lon, r.uniform(10, 60), r.uniform(0, 2 * math.pi)) for _ in range(12)
            )
        return Scene(kind, lat, lon, start, shelters)

    def _lost_where_when(self, s: Scene) -> tuple[float, float, datetime]:
        r = self.rnd
        if s.kind == "fair":
            lat, lon = _offset(s.lat, s.lon, 2.0 * math.sqrt(r.random()), r.uniform(0, 6.3))
            return lat, lon, s.start + timedelta(minutes=r.uniform(0, 240))
        if s.kind == "disaster":
            lat, lon = _offset(s.lat, s.lon, 30.0 * math.sqrt(r.random()), r.uniform(0, 6.3))
            return lat, lon, s.start + timedelta(minutes=r.uniform(0, 24 * 60))
        lat, lon = _offset(s.lat, s.lon, r.uniform(0, 25), r.uniform(0, 6.3))
        return lat, lon, s.start + timedelta(days=r.uniform(0, 60))

    def _found_where_when(self, s: Scene, lat: float, lon: float, t: datetime) -> Report:
        r = self.rnd
        if s.kind == "disaster":
            slat, slon = r.choice(s.shelters)
            when = t + timedelta(hours=r.uniform(20, 7 * 24))
            return {"lat": slat, "lon": slon, "time": _iso(when), "place": "shelter"}
        hours = r.uniform(0.1, 3.0) if s.kind == "fair" else r.uniform(0.2, 8.0)
        if r.random() < 0.05:
            hours = -r.uniform(0.2, 2.0)  # found before the guardian's "last seen"
        km = r.uniform(0, 1.5) if s.kind == "fair" else r.uniform(0, 1.0 + hours)
        flat, flon = _offset(lat, lon, abs(km), r.uniform(0, 6.3))
        return {"lat": flat, "lon": flon, "time": _iso(t + timedelta(hours=hours))}

    # -- descriptions ----------------------------------------------------------------------

    def _outfit(self, sex: str) -> list[tuple[str, str, str]]:
        """[(slot, kind, colour family)]"""
        r = self.rnd
        fams = list(COLOURS)
        out: list[tuple[str, str, str]] = []
        if sex == "female" and r.random() < 0.3:
            out.append(("body", r.choice(list(GARMENTS["body"])), r.choice(fams)))
        else:
            out.append(("top", r.choice(list(GARMENTS["top"])), r.choice(fams)))
            legs = [k for k in GARMENTS["legs"] if sex == "female" or k not in ("skirt",)]
            out.append(("legs", r.choice(legs), r.choice(fams)))
        if r.random() < 0.25:
            out.append(("outer", "jacket", r.choice(fams)))
        if r.random() < 0.7:
            out.append(("feet", r.choice(list(GARMENTS["feet"])), r.choice(fams)))
        return out

    def _describe(self, outfit: list[tuple[str, str, str]], drop: float, wrong: float) -> str:
        r = self.rnd
        words: list[str] = []
        for slot, kind, fam in outfit:
            if r.random() < drop:
                continue
            if r.random() < wrong:
                fam = r.choice(list(COLOURS))
            colour = r.choice(COLOURS[fam]) if r.random() < 0.92 else ""
            noun = r.choice(GARMENTS[slot][kind])
            words.append(f"{colour} {noun}".strip())
        return ", ".join(words)

    # -- names -----------------------------------------------------------------------------

    def _misspell(self, s: str) -> str:
        r = self.rnd
        if len(s) < 4 or not s.isascii():
            return s
        i = r.randrange(1, len(s) - 1)
        op = r.random()
        if op < 0.3:
            return s[:i] + s[i + 1 :]  # dropped letter
        if op < 0.55:
            return s[:i] + s[i] + s[i:]  # doubled letter
        if op < 0.8:
            return s[: i - 1] + s[i] + s[i - 1] + s[i + 1 :]  # swapped
        vowels = "aeiouy"
        j = next((k for k in range(i, len(s)) if s[k].lower() in vowels), i)
        return s[:j] + r.choice(vowels) + s[j + 1 :]

    def _case(self, s: str) -> str:
        x = self.rnd.random()
        return s.upper() if x < 0.08 else (s.lower() if x < 0.16 else s)

    def _said(self, name: Name) -> str:
        """What a found child's name looks like on the officer's form."""
        main, alts, nicks = name
        r = self.rnd
        x = r.random()
        if nicks and x < 0.3:
            said = r.choice(nicks)
        elif alts and x < 0.6:
            said = r.choice(alts)
        else:
            said = main if main.isascii() or r.random() < 0.5 else (alts[0] if alts else main)
        if r.random() < 0.12:
            said = self._misspell(said)
        return self._case(said)

    # -- reports ---------------------------------------------------------------------------

    def missing(self, i: int, scene: Scene) -> tuple[Report, dict[str, Any]]:
        """A missing report and the hidden truth about the child (to derive found reports)."""
        r = self.rnd
        lang = r.choices(LANGUAGES, _LANG_WEIGHTS)[0]
        sex = r.choice(("male", "female"))
        given = r.choice(lang.boys if sex == "male" else lang.girls)
        family = r.choice(lang.families)
        age = min(17, max(0, int(r.triangular(1, 17, 6))))
        lat, lon, t = self._lost_where_when(scene)
        outfit = self._outfit(sex)
        item = r.choice(ITEMS) if r.random() < 0.35 else None
        hair = r.choice(lang.hair)
        # Guardians write in their script or in Latin letters
        g_main, g_alts, g_nicks = given
        written = g_main if (g_main.isascii() or r.random() < 0.6 or not g_alts) else g_alts[0]
        fam = (
            family[0]
            if (family[0].isascii() or r.random() < 0.6 or not family[1])
            else family[1][0]
        )
        d: Report = {
            "id": f"M-S{i:07d}",
            "kind": "missing",
            "given_name": self._case(written),
            "family_name": self._case(fam),
            "age_years": age,
            "sex": sex,
            "hair": hair,
            "clothing": self._describe(outfit, 0.0, 0.0),
            "languages": [lang.code, "en"] if lang.code != "en" else ["en"],
            "lat": lat,
            "lon": lon,
            "time": _iso(t),
            "guardian": {"name": f"Guardian {i}", "phone": f"+1555{i % 10_000_000:07d}"},
        }
        if g_nicks and r.random() < 0.3:
            d["other_names"] = [r.choice(g_nicks)]
        if item:
            d["carrying"] = item[0]
        if r.random() < 0.3:
            d["height_cm"] = round(75 + 6.5 * age + r.gauss(0, 4))
        hidden = {
            "given": given,
            "family": family,
            "age": age,
            "sex": sex,
            "outfit": outfit,
            "item": item,
            "hair": hair,
            "lang": lang.code,
            "lat": lat,
            "lon": lon,
            "t": t,
        }
        return d, hidden

    def found_for(self, j: int, hidden: dict[str, Any], scene: Scene) -> Report:
        """An officer's report of the child behind `hidden`."""
        r = self.rnd
        age = hidden["age"]
        est = age + r.gauss(0, 0.4 + 0.1 * age)
        half = 1 if age < 10 else 1.5
        d: Report = {"id": f"F-S{j:07d}", "kind": "found"}
        x = r.random()
        if x < 0.8:
            d["given_name"] = self._said(hidden["given"])
        if x < 0.8 and r.random() < 0.35:
            fam = hidden["family"]
            d["family_name"] = self._case(r.choice((fam[0], *fam[1])))
        d["age_min"] = min(18, max(0, round(est - half)))
        d["age_max"] = min(18, max(d["age_min"], round(est + half)))
        d["sex"] = hidden["sex"] if r.random() < 0.95 else "unknown"
        d["hair"] = hidden["hair"] if r.random() < 0.8 else ""
        d["clothing"] = self._describe(hidden["outfit"], 0.25, 0.06)
        if hidden["item"] and r.random() < 0.7:
            d["carrying"] = r.choice(hidden["item"])
        d["languages"] = [hidden["lang"]]
        d.update(self._found_where_when(scene, hidden["lat"], hidden["lon"], hidden["t"]))
        return {k: v for k, v in d.items() if v != ""}

    def stranger(self, j: int, scene: Scene) -> Report:
        """A found child nobody reported missing (or whose report is not open)."""
        _, hidden = self.missing(-1, scene)
        return self.found_for(j, hidden, scene)


@dataclass
class Dataset:
    missing: list[Report]
    found: list[Report]
    truth: dict[str, str | None]


def scene_set(
    kind: str, n_missing: int, n_found: int, seed: int = 11, share_matched: float = 0.8
) -> Dataset:
    """One scene: n_missing open reports, n_found found reports (share_matched with truth)."""
    g = Synth(seed)
    sc = g.scene(kind)
    missing: list[Report] = []
    hidden: list[dict[str, Any]] = []
    for i in range(n_missing):
        d, h = g.missing(seed * 10_000_000 + i, sc)
        missing.append(d)
        hidden.append(h)
    found: list[Report] = []
    truth: dict[str, str | None] = {}
    picks = g.rnd.sample(range(n_missing), min(n_missing, round(n_found * share_matched)))
    for j in range(n_found):
        fid = seed * 10_000_000 + j
        if j < len(picks):
            f = g.found_for(fid, hidden[picks[j]], sc)
            truth[f["id"]] = missing[picks[j]]["id"]
        else:
            f = g.stranger(fid, sc)
            truth[f["id"]] = None
        found.append(f)
    g.rnd.shuffle(found)
    return Dataset(missing, found, truth)


def stream_missing(
    n: int, seed: int = 3, mix: tuple[float, float, float] = (0.5, 0.2, 0.3)
) -> Iterator[tuple[Report, dict[str, Any], Scene]]:
    """n open missing reports across many scenes: (ordinary, fair, disaster) shares."""
    g = Synth(seed)
    kinds = ("ordinary", "fair", "disaster")
    per_scene = {"ordinary": 20_000, "fair": 3_000, "disaster": 100_000}
    i = 0
    while i < n:
        kind = g.rnd.choices(kinds, mix)[0]
        sc = g.scene(kind)
        for _ in range(min(per_scene[kind], n - i)):
            d, h = g.missing(seed * 10_000_000 + i, sc)
            yield d, h, sc
            i += 1


def batch(n_missing: int, n_found: int, seed: int = 3, share_matched: float = 0.8) -> Dataset:
    """A big batch: n_missing open reports and n_found found reports (with truth)."""
    g = Synth(seed + 1)
    missing: list[Report] = []
    keep: list[tuple[str, dict[str, Any], Scene]] = []
    want = round(n_found * share_matched)
    stride = max(1, n_missing // max(1, want))
    for k, (d, h, sc) in enumerate(stream_missing(n_missing, seed)):
        missing.append(d)
        if k % stride == 0 and len(keep) < want:
            keep.append((d["id"], h, sc))
    found: list[Report] = []
    truth: dict[str, str | None] = {}
    for j in range(n_found):
        if j < len(keep):
            mid, h, sc = keep[j]
            f = g.found_for(seed * 10_000_000 + j, h, sc)
            truth[f["id"]] = mid
        else:
            sc = keep[j % len(keep)][2] if keep else g.scene("ordinary")
            f = g.stranger(seed * 10_000_000 + j, sc)
            truth[f["id"]] = None
        found.append(f)
    g.rnd.shuffle(found)
    return Dataset(missing, found, truth)


def write(ds: Dataset, out: Path) -> tuple[Path, Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "missing.jsonl", out / "found.jsonl", out / "truth.jsonl")
    for path, rows in ((paths[0], ds.missing), (paths[1], ds.found)):
        with path.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in rows)
    with paths[2].open("w", encoding="utf-8") as fh:
        for f, m in ds.truth.items():
            fh.write(json.dumps({"found": f, "missing": m}) + "\n")
    return paths


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--missing", type=int, default=10_000)
    p.add_argument("--found", type=int, default=500)
    p.add_argument("--scene", choices=("mixed", "ordinary", "fair", "disaster"), default="mixed")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args()
    if a.scene == "mixed":
        ds = batch(a.missing, a.found, a.seed)
    else:
        ds = scene_set(a.scene, a.missing, a.found, a.seed)
    for path in write(ds, a.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
