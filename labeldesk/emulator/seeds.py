"""Starting contents for an emulated site: empty, a believable small business, or many labels."""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta

from labeldesk.emulator.state import LabelStore

SYSTEM_LABELS = (("contacts.customers", "Customers"), ("contacts.contacted-me", "Contacted Me"))

# Wix's own apps add labels of their own; these namespaces and names are illustrative.
APP_LABELS = (
    ("wixstores", "Wix Stores", "Purchased Online"),
    ("wixstores", "Wix Stores", "Abandoned Cart"),
    ("bookings", "Wix Bookings", "Booked a Session"),
)

# "Harbour & Hive", a café, bakery and event space: the kind of labels its owner keeps.
DEMO_LABELS = (
    "VIP",
    "Newsletter",
    "Wholesale",
    "Catering Clients",
    "Weekend Brunch Regulars",
    "Birthday Club",
    "Loyalty Card Holders",
    "Staff",
    "Suppliers",
    "Press & Bloggers",
    "Event Enquiries",
    "Wedding Cakes",
    "Corporate Orders",
    "Gluten-Free",
    "Vegan",
    "Nut Allergy",
    "Local Partners",
    "Farmers Market",
    "Gift Card Buyers",
    "Coffee Subscription",
    "Baking Class: Sourdough",
    "Baking Class: Pastry",
    "Kids Party",
    "Christmas Orders 2025",
    "Easter Orders",
    "Café Regulars",
    "Crème Brûlée Fans",
    "Frühbucher",
    "Clientes en español",
    "Jalapeño Lovers",
    "Zoë's Book Club",
    "東京 Visitors",
    "Feedback Given",
    "Complaint Resolved",
    "Lapsed (12 months)",
    "Influencers",
    "Volunteers",
    "Do Not Email",
    "Instagram Giveaway",
    "Pop-up Shop",
)


# The café's people: first and last names as its customers would have them (the emails are made from them,
# on reserved example domains, so no real address is ever shown).
_FIRST_NAMES = (
    "Amelia",
    "Oliver",
    "Isla",
    "Noah",
    "Ava",
    "Leo",
    "Freya",
    "Arthur",
    "Grace",
    "Theo",
    "Zoë",
    "José",
    "Chloé",
    "Björn",
    "Siobhán",
    "Mateo",
    "Lucía",
    "Aiko",
    "Haruto",
    "Priya",
    "Arjun",
    "Fatima",
    "Omar",
    "Ingrid",
    "Jürgen",
    "Margaret",
    "Tom",
    "Daisy",
    "Rosie",
    "Sam",
    "Ellie",
    "Kwame",
    "Ngozi",
    "Wei",
    "Mei",
    "Anna",
    "Luca",
    "Sofia",
)
_LAST_NAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "O'Connor",
    "García",
    "Fernández",
    "Müller",
    "Schmidt",
    "Nakamura",
    "Tanaka",
    "Patel",
    "Sharma",
    "Khan",
    "Okafor",
    "Mensah",
    "Chen",
    "Li",
    "Rossi",
    "Bianchi",
    "Larsen",
    "Nowak",
    "Dubois",
    "Lefèvre",
    "MacLeod",
)
_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")


def _ascii(text: str) -> str:
    """``text`` as the local part of an email: accents dropped, only letters kept, lowercase."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in plain.lower() if char.isalnum())


def _person(rng: random.Random) -> dict[str, str | None]:
    """A customer's name and email; about one in ten has no name, one in ten no email, a few neither."""
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    email = f"{_ascii(first)}.{_ascii(last)}{rng.choice(('', '', str(rng.randint(1, 99))))}@{rng.choice(_DOMAINS)}"
    roll = rng.random()
    if roll < 0.04:  # signed up with an email only
        return {"email": email}
    if roll < 0.08:
        return {"first_name": first, "email": email}  # first name only
    if roll < 0.16:
        return {"first_name": first, "last_name": last}  # met in the café: no email
    if roll < 0.18:
        return {}  # neither: a contact made by an app, say
    return {"first_name": first, "last_name": last, "email": email}


def seed_empty(store: LabelStore) -> None:
    """A new site: only the two system labels Wix always has."""
    for key, name in SYSTEM_LABELS:
        store.add_label(name, label_type="SYSTEM", namespace="contacts", key=key)


def seed_demo(store: LabelStore, *, rng_seed: int = 2024) -> None:
    """The demo site: system, app and about forty user labels created over two years, and 320 contacts who
    joined over those years, with names and emails (some without a name, an email, or either)."""
    rng = random.Random(rng_seed)
    seed_empty(store)
    now = store.clock()
    start = now - timedelta(days=730)
    moments = sorted(start + timedelta(seconds=rng.uniform(0, 730 * 86400)) for _ in APP_LABELS + DEMO_LABELS)
    moments_iter = iter(moments)
    for namespace, namespace_title, name in APP_LABELS:
        store.add_label(
            name,
            label_type="WIX_APP_DEFINED",
            namespace=namespace,
            namespace_display_name=namespace_title,
            created=next(moments_iter),
        )
    for name in DEMO_LABELS:
        store.add_label(name, created=next(moments_iter))
    keys = [label["key"] for label in store.snapshot()]
    # Most contacts of a shop are customers; the user labels follow a long tail.
    popular = {"contacts.customers": 40, "contacts.contacted-me": 15}
    weights = [popular.get(key) or rng.choice((1, 2, 3, 5, 8, 13)) for key in keys]
    # Names from a random source of their own, so the labels' counts stay as they always were.
    names = random.Random(rng_seed + 1)
    joined = sorted(start + timedelta(seconds=names.uniform(0, 730 * 86400)) for _ in range(320))
    for when in joined:
        count = rng.choice((0, 1, 1, 2, 2, 3, 4))
        store.add_contact(set(rng.choices(keys, weights=weights, k=count)), created=when, **_person(names))
    store.warm()


_WORDS_A = ("Spring", "Summer", "Autumn", "Winter", "Online", "In-store", "Local", "Trade", "Repeat", "New")
_WORDS_B = ("Buyers", "Leads", "Guests", "Members", "Clients", "Subscribers", "Partners", "Visitors")


def seed_many(store: LabelStore, count: int, *, rng_seed: int = 7) -> None:
    """System labels plus ``count`` user labels with varied names and dates, for size and speed tests."""
    rng = random.Random(rng_seed)
    seed_empty(store)
    now = store.clock()
    for number in range(1, count + 1):
        name = f"{rng.choice(_WORDS_A)} {rng.choice(_WORDS_B)} {number:06d}"
        created = now - timedelta(seconds=(count - number) * 600 + rng.randint(0, 599))
        store.add_label(name, key=f"custom.label-{number:06d}", created=created)
    store.warm()


SEEDS = {"demo": seed_demo, "empty": seed_empty}
