"""The fixed stock the demo draws from: invented employers, Medemblik's villages and streets, the workers' countries.

The housing locations are drawn from it the same way for every seed
(`housing_stock`), so a BAG id always names the same place; the workers and what
happens to them are `demo.plan`'s. Nothing here is the README's example, which
a ledger filled by `make run` must still take.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from ledger.domain.values import Address
from ledger.persistence.claims import address_key

# Invented companies: KvK number, trade name, staffing agency?, site (street, number, postcode, village).
EMPLOYERS = (
    ("34781256", "Flexwerk West-Friesland B.V.", True, "Nijverheidsweg", 14, "1671NG", "Medemblik"),
    ("37652093", "Polder Personeel Uitzendbureau B.V.", True, "Handelsweg", 3, "1687AA", "Wognum"),
    ("61094837", "AgriFlex Noord-Holland B.V.", True, "Bedrijvenweg", 21, "1693CH", "Wervershoof"),
    ("36210478", "Kwekerij De Zandhoek B.V.", False, "Dijkweg", 112, "1619BN", "Andijk"),
    ("58930264", "Tuinderij Gebroeders Kool V.O.F.", False, "Oostereind", 46, "1679GK", "Midwoud"),
    ("70413985", "Bloembollenbedrijf Het Grootslag B.V.", False, "Middenweg", 188, "1619JE", "Andijk"),
    ("82265119", "Zaadteelt West-Friesland B.V.", False, "Zuidergouw", 7, "1693PR", "Wervershoof"),
    ("64728301", "Fruitteeltbedrijf De Oosterbuurt", False, "Dorpsstraat", 95, "1657AR", "Abbekerk"),
)
VILLAGES = (
    ("1619", "Andijk", 3),
    ("1657", "Abbekerk", 1),
    ("1671", "Medemblik", 3),
    ("1679", "Midwoud", 1),
    ("1687", "Wognum", 2),
    ("1688", "Nibbixwoud", 1),
    ("1693", "Wervershoof", 2),
)
STREETS = (
    "Dorpsstraat",
    "Kerkweg",
    "Molenweg",
    "Dijkweg",
    "Middenweg",
    "Westerstraat",
    "Oosterstraat",
    "Noordeinde",
    "Zuideinde",
    "Kerkstraat",
    "Schoolstraat",
    "Veilingweg",
    "Tuinderslaan",
    "Sluisweg",
)
# Postcode letters: no F, I, O, Q, U, Y; no SA, SD, SS (so no S first).
FIRST_LETTERS, SECOND_LETTERS = "ABCDEGHJKLMNPRTVWXZ", "ABCDEGHJKLMNPRSTVWXZ"
# Kind, weight, min and max occupants.
KINDS = (
    ("dwelling", 60, 4, 6),
    ("short_stay_facility", 15, 20, 80),
    ("hotel_pension", 10, 8, 24),
    ("recreational", 15, 2, 6),
)
BAG_SEQUENCE_START = 9_000_000
# Nationality: Faker locale, weight (%), passport and id-card number formats (L letter, D digit).
NATIONALITIES = {
    "POL": ("pl_PL", 45, "LLDDDDDDD", "LLLDDDDDD"),
    "ROU": ("ro_RO", 20, "DDDDDDDDD", "LLDDDDDD"),
    "BGR": ("bg_BG", 10, "DDDDDDDDD", "DDDDDDDDD"),
    "LTU": ("lt_LT", 5, "DDDDDDDD", "DDDDDDDD"),
    "HUN": ("hu_HU", 5, "LLDDDDDDD", "DDDDDDLL"),
    "PRT": ("pt_PT", 5, "LDDDDDD", "DDDDDDDDDLLD"),
    "UKR": ("uk_UA", 10, "LLDDDDDD", "DDDDDDDDD"),
}
# What the README's "Trying the API" registers on a ledger filled by `make run`: never drawn here.
EXAMPLE_DOCUMENT = ("passport", "EA1234567", "POL")
EXAMPLE_ADDRESS = Address("Dorpsstraat", 12, "1671AB", "Medemblik")
END_REASONS = ("einde seizoen", "einde uitzendovereenkomst", "ontslag op eigen verzoek", "proeftijd niet doorstaan")


@dataclass(frozen=True)
class PlannedEmployer:
    """An employer to register, with the site its workers (or its clients' hired workers) work at."""

    kvk_number: str
    name: str
    agency: bool
    site: Address


@dataclass(frozen=True)
class PlannedLocation:
    """A housing location to register."""

    bag_id: str
    address: Address
    kind: str
    max_occupants: int
    floor_area_m2: int
    owner_kvk_number: str | None


def housing_stock(workers: int, targets_wanted: int) -> tuple[tuple[PlannedLocation, ...], tuple[int, ...]]:
    """The first locations of the fixed stock, enough beds for everyone; the first dwellings are the targets."""
    locations: list[PlannedLocation] = []
    targets: list[int] = []
    addresses = {address_key(EXAMPLE_ADDRESS)}
    beds = 0
    while len(locations) < 8 or len(targets) < targets_wanted or beds < workers * 1.3:
        location = stock_location(len(locations))
        for attempt in itertools.count(1):  # a repeated address is drawn again, the same way for every plan
            if address_key(location.address) not in addresses:
                break
            location = stock_location(len(locations), attempt)
        addresses.add(address_key(location.address))
        if location.kind == "dwelling" and len(targets) < targets_wanted:
            targets.append(len(locations))
        else:
            beds += location.max_occupants
        locations.append(location)
    return tuple(locations), tuple(targets)


def stock_location(index: int, attempt: int = 0) -> PlannedLocation:
    """Location `index` of the stock: the same for every seed, so a BAG id always names the same place."""
    seed = f"medemblik-housing-{index}" + (f"-{attempt}" if attempt else "")
    rng = random.Random(seed)  # noqa: S311 (not crypto)
    prefix, city, _weight = rng.choices(VILLAGES, weights=[v[2] for v in VILLAGES])[0]
    kind, _weight, fewest, most = rng.choices(KINDS, weights=[k[1] for k in KINDS])[0]
    limit = rng.randint(fewest, most)
    postcode = prefix + rng.choice(FIRST_LETTERS) + rng.choice(SECOND_LETTERS)
    letter = rng.choice("AB") if rng.random() < 0.1 else None
    address = Address(rng.choice(STREETS), rng.randint(1, 160), postcode, city, house_letter=letter)
    area = rng.randint(55, 140) if kind == "dwelling" else limit * rng.randint(10, 16)
    owner = rng.choice(EMPLOYERS)[0] if kind == "short_stay_facility" or rng.random() < 0.3 else None
    return PlannedLocation(f"042001{BAG_SEQUENCE_START + index:010d}", address, kind, limit, area, owner)
