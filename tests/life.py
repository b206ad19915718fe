"""Test data as people write it, not copied from the program's own tables: citizens' names as
they appear on a health card, and companies (with addresses as typed) and openings as employers
file them. Wishes as consultants type them are in test_matching.WISHES_AS_TYPED."""

from __future__ import annotations

from typing import NamedTuple

# Names the desk meets: æøå, hyphenated double surnames, "van der", apostrophes, many parts.
NAMES = (
    "Søren Ærø Kjærgaard",
    "Anne-Sofie Holm-Nielsen",
    "Jan van der Berg",
    "Siobhán O'Connor",
    "Bjørn Åge Østergård",
    "Mette Frederiksen-Bøgelund",
    "Muhammad Al-Khatib",
    "Nguyễn Thị Minh Anh",
    "Karl-Åke Sjöström",
    "Hans Christian Ludvig Bartholomæus Schultz-Møller",
)


class Company(NamedTuple):
    name: str
    address: str
    postcode: str
    industry: str


class Opening(NamedTuple):
    """An opening as the employer filed it: its own title and its own word for the industry."""

    title: str
    industry: str
    company: str
    postcode: str = "2730"


COMPANIES = {
    "netto": Company("Netto Herlev Bymidte", "Herlev Bygade 34", "2730", "Dagligvarehandel"),
    "matas": Company("Matas A/S, Herlev", "Herlev Hovedgade 103", "2730", "Detail"),
    "postnord": Company("PostNord Logistics", "Ejbydalsvej 195", "2600", "Lager & logistik"),
    "dsv": Company("DSV Road A/S", "Hovedgaden 630", "2640", "Transport og logistik"),
    "vognmand": Company("Vognmand Jørgensen & Søn ApS", "Industrivej 7", "2750", "Vognmand"),
    "gls": Company("GLS Denmark", "Høje Taastrup Boulevard 2", "2630", "Transport"),
    "iss": Company("ISS Facility Services A/S", "Buddingevej 197", "2860", "Erhvervsrengøring"),
    "compass": Company("Compass Group Danmark", "Kirkebjerg Parkvej 9", "2605", "Kantine"),
    "kro": Company("Herlev Kro", "Herlev Hovedgade 76", "2730", "Restaurant"),
    "boernehus": Company("Børnehuset Mælkebøtten", "Tvedvangen 221", "2730", "Daginstitution"),
    "plejecenter": Company("Plejecenter Lindegården", "Lindevej 2", "2730", "Ældrepleje"),
    "hjemmepleje": Company(
        "Herlev Kommune, Hjemmeplejen", "Herlev Bygade 90", "2730", "Hjemmepleje"
    ),
    "advokat": Company("Advokatfirmaet Kjær & Co.", "Vesterbrogade 1", "1620", "Administration"),
    "bauhaus": Company("BAUHAUS Herlev", "Herlev Ringvej 2", "2730", "Byggemarked"),
}

# key -> the opening; the key names it in the tables of expected matches.
BOARD = {
    "kasse": Opening("Kassemedarbejder, deltid", "Dagligvarehandel", "netto"),
    "butik": Opening("Butiksassistent", "Detail", "matas"),
    "lager": Opening("Lagermedarbejder", "Lager & logistik", "postnord", "2600"),
    "lagerchef": Opening("Lagerchef", "Transport og logistik", "dsv", "2640"),
    "chauffoer": Opening("Chauffør C/CE", "Vognmand", "vognmand", "2750"),
    "bud": Opening("Budchauffør (kat. B)", "Transport", "gls", "2630"),
    "rengoering": Opening("Rengøringsassistent", "Erhvervsrengøring", "iss", "2860"),
    "kantine": Opening("Kantinemedarbejder", "Kantine", "compass", "2605"),
    "koekken": Opening("Køkkenmedhjælper", "Restaurant", "kro"),
    "paedagog": Opening("Pædagogmedhjælper", "Daginstitution", "boernehus"),
    "sosu": Opening("SOSU-assistent", "Ældrepleje", "plejecenter"),
    "hjemmepleje": Opening("Social- og sundhedshjælper", "Hjemmepleje", "hjemmepleje"),
    "kontor": Opening("Kontorelev", "Administration", "advokat", "1620"),
    # Leaders of a trade and a neighbour of a shared-part compound, which its wishes must not find.
    "butikschef": Opening("Butikschef", "Dagligvarehandel", "netto"),
    "lagerformand": Opening("Lagerformand", "Byggemarked", "bauhaus"),
    "rengoeringschef": Opening("Rengøringschef", "Facility management", "iss", "2860"),
    "socialraadgiver": Opening("Socialrådgiver", "Kommune", "hjemmepleje"),
}
