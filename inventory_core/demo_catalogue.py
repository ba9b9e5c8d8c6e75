"""The words of the demo warehouse: categories, items people actually say, their variants and suppliers.

Pure data; ``inventory_core.demo`` turns it into products, stock, offers and sales history."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """One kind of item and the variants it comes in. ``{v}`` in the pattern takes the variant."""

    category: str
    prefix: str
    pattern: str
    variants: tuple[str, ...]
    pack_size: int
    unit_cost: float
    aliases: tuple[str, ...] = ()  # patterns too, with {v}


SITES = ("main", "east")
SITE_NAMES = {"main": "main warehouse", "east": "east annex"}

_SIZES_IN = ("quarter-inch", "three-eighths inch", "half-inch", "five-eighths inch")
_GLOVE_SIZES = ("small", "medium", "large", "extra large")

# fmt: off
FAMILIES: tuple[Family, ...] = (
    Family("fasteners", "FAS", "{v} hex bolts", _SIZES_IN, 100, 0.18, ("{v} hex bolt", "{v} bolts")),
    Family("fasteners", "FAS", "{v} carriage bolts", _SIZES_IN, 100, 0.22),
    Family("fasteners", "FAS", "{v} lag screws", _SIZES_IN, 100, 0.16),
    Family("fasteners", "FAS", "{v} hex nuts", _SIZES_IN, 200, 0.05, ("{v} nuts",)),
    Family("fasteners", "FAS", "{v} lock nuts", _SIZES_IN, 200, 0.08),
    Family("fasteners", "FAS", "{v} flat washers", _SIZES_IN, 250, 0.03, ("{v} washers",)),
    Family("fasteners", "FAS", "{v} wood screws", ("one inch", "two inch", "three inch"), 200, 0.04),
    Family("fasteners", "FAS", "{v} drywall screws", ("one inch", "two inch", "three inch"), 500, 0.02),
    Family("fasteners", "FAS", "{v} wall anchors", ("plastic", "metal", "toggle"), 100, 0.12),
    Family("packaging", "PKG", "pallet wrap {v}", ("eighteen inch", "twenty inch", "hand roll"), 4, 21.0, ("stretch wrap {v}", "shrink wrap {v}")),
    Family("packaging", "PKG", "packing tape {v}", ("clear", "brown", "fragile print"), 36, 2.1, ("tape {v}",)),
    Family("packaging", "PKG", "{v} shipping boxes", ("small", "medium", "large", "extra large"), 25, 0.9, ("{v} boxes", "{v} cartons")),
    Family("packaging", "PKG", "bubble wrap {v}", ("twelve inch", "twenty four inch"), 4, 18.5),
    Family("packaging", "PKG", "{v} mailer bags", ("small", "medium", "large"), 100, 0.25, ("{v} poly mailers",)),
    Family("packaging", "PKG", "{v} bubble mailers", ("small", "medium", "large"), 50, 0.45),
    Family("packaging", "PKG", "{v}", ("kraft paper roll", "void fill pillows", "corner boards", "poly strapping", "strapping buckles", "packing peanuts"), 10, 6.0),
    Family("packaging", "PKG", "{v} labels", ("fragile", "this side up", "heavy", "shipping", "pallet"), 500, 0.02),
    Family("safety gear", "SAF", "nitrile gloves {v}", _GLOVE_SIZES, 100, 0.09, ("{v} nitrile gloves", "blue gloves {v}")),
    Family("safety gear", "SAF", "cut resistant gloves {v}", _GLOVE_SIZES, 12, 4.5, ("cut gloves {v}",)),
    Family("safety gear", "SAF", "work gloves {v}", _GLOVE_SIZES, 12, 3.2),
    Family("safety gear", "SAF", "safety glasses {v}", ("clear", "tinted", "anti fog"), 12, 2.8, ("{v} safety glasses", "goggles {v}")),
    Family("safety gear", "SAF", "hard hats {v}", ("white", "yellow", "blue", "orange"), 10, 9.0, ("{v} hard hat",)),
    Family("safety gear", "SAF", "hi vis vests {v}", ("medium", "large", "extra large"), 10, 5.5, ("high visibility vests {v}", "safety vests {v}")),
    Family("safety gear", "SAF", "{v}", ("foam ear plugs", "ear muffs", "dust masks", "first aid kits", "knee pads", "back support belts", "eye wash bottles"), 20, 3.0),
    Family("safety gear", "SAF", "steel toe boots size {v}", ("eight", "nine", "ten", "eleven", "twelve"), 1, 64.0, ("work boots size {v}",)),
    Family("cleaning", "CLN", "{v}", ("paper towels", "toilet paper", "floor cleaner", "degreaser", "disinfectant wipes", "hand soap", "glass cleaner", "absorbent pads", "spill kits", "mop heads", "push brooms", "dust pans", "bleach"), 12, 4.0),
    Family("cleaning", "CLN", "trash bags {v}", ("thirteen gallon", "thirty three gallon", "fifty five gallon"), 100, 0.2, ("garbage bags {v}", "bin liners {v}")),
    Family("electrical", "ELC", "extension cords {v}", ("twenty five foot", "fifty foot", "one hundred foot"), 5, 18.0, ("{v} extension cord",)),
    Family("electrical", "ELC", "cable ties {v}", ("four inch", "eight inch", "fourteen inch"), 1000, 0.01, ("zip ties {v}",)),
    Family("electrical", "ELC", "electrical tape {v}", ("black", "red", "green", "white"), 10, 0.8),
    Family("electrical", "ELC", "{v} batteries", ("double a", "triple a", "c cell", "d cell", "nine volt"), 24, 0.6, ("{v} battery",)),
    Family("electrical", "ELC", "{v}", ("led shop lights", "led bulbs", "wire nuts", "junction boxes", "power strips", "light switches", "outlet covers", "fuses"), 10, 3.5),
    Family("tools", "TLS", "{v}", ("box cutters", "utility blades", "tape measures", "claw hammers", "screwdriver sets", "adjustable wrenches", "pliers", "zip knives", "tape guns", "staple guns", "pry bars", "socket sets"), 6, 12.0),
    Family("tools", "TLS", "drill bits {v}", ("quarter-inch", "half-inch", "three-eighths inch"), 10, 3.5),
    Family("office", "OFF", "{v}", ("printer paper", "permanent markers", "ballpoint pens", "clipboards", "label printer ribbon", "thermal labels", "packing slips", "staples", "highlighters", "sticky notes", "binder clips"), 12, 2.5),
    Family("material handling", "MHD", "plastic bins {v}", ("small", "medium", "large"), 6, 7.5, ("{v} bins", "{v} totes")),
    Family("material handling", "MHD", "{v}", ("wooden pallets", "plastic pallets", "shelf labels", "caster wheels", "hand truck tires", "dock bumpers", "rack guards", "floor marking tape", "pallet jack wheels", "load straps", "cargo bars", "tarps"), 4, 24.0),
    Family("plumbing", "PLB", "{v}", ("pvc elbows", "pvc pipe", "pipe tape", "hose clamps", "ball valves", "sink traps", "drain cleaner", "garden hoses", "faucet washers"), 10, 3.0),
    Family("plumbing", "PLB", "copper fittings {v}", ("half-inch", "three-quarter inch"), 25, 1.4),
    Family("fasteners", "FAS", "{v} machine screws", _SIZES_IN, 100, 0.07),
    Family("fasteners", "FAS", "{v} wing nuts", _SIZES_IN, 100, 0.09),
    Family("fasteners", "FAS", "{v} lock washers", _SIZES_IN, 250, 0.03),
    Family("fasteners", "FAS", "{v} eye bolts", _SIZES_IN, 25, 0.85),
    Family("fasteners", "FAS", "{v} threaded rod", _SIZES_IN, 10, 3.2, ("{v} all thread",)),
    Family("fasteners", "FAS", "{v} self tapping screws", ("one inch", "two inch", "three inch"), 200, 0.05),
    Family("safety gear", "SAF", "latex gloves {v}", _GLOVE_SIZES, 100, 0.08),
    Family("safety gear", "SAF", "vinyl gloves {v}", _GLOVE_SIZES, 100, 0.06),
    Family("safety gear", "SAF", "winter gloves {v}", _GLOVE_SIZES, 12, 6.0),
    Family("safety gear", "SAF", "rain jackets {v}", ("medium", "large", "extra large"), 6, 22.0),
    Family("packaging", "PKG", "{v} padded envelopes", ("small", "medium", "large"), 100, 0.35),
    Family("packaging", "PKG", "{v} shipping tubes", ("short", "medium", "long"), 25, 1.2),
    Family("packaging", "PKG", "double wall boxes {v}", ("small", "medium", "large", "extra large"), 20, 1.9),
    Family("packaging", "PKG", "{v}", ("desiccant packs", "foam sheets", "stretch wrap dispensers", "tape refills"), 50, 0.5),
    Family("cleaning", "CLN", "microfiber cloths {v}", ("blue", "green", "yellow", "red"), 24, 0.7),
    Family("cleaning", "CLN", "{v}", ("mop buckets", "squeegees", "scrub brushes", "sponges", "vacuum bags", "air freshener", "laundry detergent", "rubber gloves", "wet floor signs"), 6, 5.0),
    Family("electrical", "ELC", "{v} gauge wire", ("twelve", "fourteen", "sixteen"), 1, 45.0),
    Family("electrical", "ELC", "heat shrink tubing {v}", ("small", "medium", "large"), 50, 0.3),
    Family("electrical", "ELC", "{v}", ("flashlights", "headlamps", "surge protectors", "motion sensors", "timer switches"), 6, 14.0),
    Family("tools", "TLS", "sanding discs {v}", ("coarse", "medium", "fine"), 50, 0.4),
    Family("tools", "TLS", "paint brushes {v}", ("one inch", "two inch", "three inch"), 12, 2.2),
    Family("tools", "TLS", "{v}", ("hex keys", "wire strippers", "hacksaw blades", "paint rollers", "caulk guns", "levels"), 6, 9.0),
    Family("office", "OFF", "{v} file folders", ("manila", "red", "blue", "green"), 100, 0.1),
    Family("office", "OFF", "{v}", ("printer toner", "rubber bands", "scissors", "tape dispensers", "whiteboard markers", "notebooks", "letter envelopes"), 10, 3.0),
    Family("material handling", "MHD", "shelving units {v}", ("small", "medium", "large"), 1, 120.0),
    Family("material handling", "MHD", "{v}", ("dollies", "step ladders", "rolling ladders", "utility carts"), 1, 85.0),
    Family("plumbing", "PLB", "{v}", ("pvc tees", "pvc couplings", "pvc cement", "shut off valves", "toilet flappers", "plumbers putty"), 10, 2.6),
    Family("fleet", "FLT", "{v}", ("motor oil", "windshield washer fluid", "propane cylinders", "forklift tires", "grease cartridges", "antifreeze", "hydraulic fluid", "wiper blades"), 6, 11.0),
    Family("break room", "BRK", "{v}", ("coffee filters", "paper cups", "plastic forks", "napkins", "bottled water", "coffee pods", "sugar packets", "paper plates"), 12, 2.0),
)

SUPPLIER_NAMES = (
    "Acme Industrial Supply", "Bolt and Nut Company", "Consolidated Packaging", "Delta Safety Products",
    "Eastern Janitorial", "Fairway Electric", "Granite Tool Works", "Harbor Office Supply",
    "Ironclad Fasteners", "Jetstream Logistics Supply", "Keystone Material Handling", "Lakeside Plumbing Supply",
    "Midwest Packaging", "Northstar Safety", "Orchard Cleaning Supplies", "Pioneer Electrical",
    "Quantum Tools", "Riverside Paper", "Summit Industrial", "Titan Warehouse Supply",
)
# fmt: on
