"""What the demo's customers are made of: places across France, names, installed bases."""

from __future__ import annotations

# Where sites stand: (city, postal code, holiday region, time zone). The region is the
# ``holidays`` subdivision that adds local public holidays: Moselle (57), Alsace (6AE,
# the Bas-Rhin 67 and Haut-Rhin 68), La Réunion (974, on its own clock).
PARIS_TZ = "Europe/Paris"
REUNION_TZ = "Indian/Reunion"
METROPOLE = (
    ("Paris", "75008"), ("Paris", "75012"), ("Lyon", "69003"), ("Villeurbanne", "69100"),
    ("Marseille", "13002"), ("Toulouse", "31000"), ("Nantes", "44000"), ("Bordeaux", "33000"),
    ("Lille", "59000"), ("Roubaix", "59100"), ("Rennes", "35000"), ("Montpellier", "34000"),
    ("Grenoble", "38000"), ("Nice", "06000"), ("Rouen", "76000"), ("Tours", "37000"),
    ("Dijon", "21000"), ("Clermont-Ferrand", "63000"), ("Orléans", "45000"), ("Angers", "49000"),
    ("Brest", "29200"), ("Nancy", "54000"), ("Reims", "51100"), ("Caen", "14000"),
    ("Limoges", "87000"), ("Poitiers", "86000"), ("Pau", "64000"), ("Annecy", "74000"),
    ("Besançon", "25000"), ("Amiens", "80000"), ("Le Mans", "72000"), ("Saint-Étienne", "42000"),
    ("Valence", "26000"), ("Avignon", "84000"), ("Toulon", "83000"), ("La Rochelle", "17000"),
    ("Quimper", "29000"), ("Nanterre", "92000"), ("Vannes", "56000"), ("Perpignan", "66000"),
    ("Chambéry", "73000"), ("Niort", "79000"), ("Troyes", "10000"), ("Bayonne", "64100"),
)  # fmt: skip
MOSELLE = (
    ("Metz", "57000"), ("Thionville", "57100"), ("Forbach", "57600"),
    ("Sarreguemines", "57200"), ("Sarrebourg", "57400"),
)  # fmt: skip
ALSACE = (
    ("Strasbourg", "67000"), ("Haguenau", "67500"), ("Sélestat", "67600"), ("Saverne", "67700"),
    ("Mulhouse", "68100"), ("Colmar", "68000"), ("Saint-Louis", "68300"),
)  # fmt: skip
REUNION = (
    ("Saint-Denis", "97400"), ("Saint-Pierre", "97410"), ("Le Port", "97420"),
    ("Saint-Paul", "97460"), ("Le Tampon", "97430"),
)  # fmt: skip
# A partner's own city draws its customers near it (most of them).
PARTNER_AREAS = {
    "Metz": "57", "Nancy": "57", "Strasbourg": "6AE", "Mulhouse": "6AE",
    "Saint-Denis (La Réunion)": "974",
}  # fmt: skip

# Customer names: a kind of organisation and what names it. ``{city}`` is the customer's
# first site; ``{person}``, ``{family}``, ``{saint}``, ``{tree}`` are drawn below.
CUSTOMER_PATTERNS = (
    "Centre hospitalier de {city}", "Clinique {saint}", "Clinique des {tree}",
    "Mairie de {city}", "Communauté d'agglomération de {city}", "Lycée {person}",
    "Collège {person}", "Université de {city}", "Transports {family}", "{family} Logistique",
    "Laboratoires {family}", "Imprimerie {family}", "Brasserie {family}",
    "Cabinet {family} et associés", "Groupe {family}", "Conserverie {family}",
    "Mutuelle de {city}", "Coopérative agricole de {city}", "Hôtel des {tree}",
    "Caisse d'épargne de {city}", "Office HLM de {city}", "Fromagerie {family}",
    "Menuiseries {family}", "Pharmacie centrale de {city}", "Notaires {family} & {family2}",
    "Chambre de commerce de {city}", "Salaisons {family}", "Transports urbains de {city}",
    "Maison de retraite {saint}", "EHPAD Les {tree}", "Scierie {family}",
    "Distillerie {family}", "Métallurgie {family}", "Verrerie de {city}",
)  # fmt: skip
SAINTS = (
    "Saint-Vincent", "Sainte-Anne", "Saint-Joseph", "Saint-Martin", "Sainte-Marie",
    "Saint-Louis", "Saint-Roch", "Sainte-Odile", "Saint-Benoît", "Saint-Luc",
)  # fmt: skip
TREES = ("Cèdres", "Tilleuls", "Acacias", "Platanes", "Peupliers", "Charmilles", "Oliviers")
PERSONS = (
    "Jean-Moulin", "Marie-Curie", "Victor-Hugo", "Louis-Pasteur", "Simone-Veil",
    "Jules-Ferry", "George-Sand", "Albert-Camus", "Condorcet", "Montesquieu", "Roland-Garros",
    "Lislet-Geoffroy", "Leconte-de-Lisle",
)  # fmt: skip
FAMILIES = (
    "Keller", "Schmitt", "Muller", "Weber", "Hoarau", "Payet", "Grondin", "Fontaine",
    "Girard", "Morel", "Lemoine", "Vasseur", "Delmas", "Roussel", "Garnier", "Lefort",
    "Marchal", "Boucher", "Perrot", "Carré", "Gauthier", "Barbier", "Rivière", "Collin",
    "Bertin", "Jacquet", "Lebrun", "Huet", "Renaud", "Picard", "Chauvin", "Maillard",
    "Baudry", "Poirier", "Charpentier", "Guillot", "Le Goff", "Kerbrat", "Etchegaray",
)  # fmt: skip
SITE_NAMES = (
    "Siège", "Site principal", "Datacenter", "Salle serveurs", "Entrepôt", "Agence",
    "Site de production", "Bâtiment B", "Plateforme logistique", "Antenne",
)  # fmt: skip

# Installed base: (product line code, vendor, model, how often it is found).
INSTALLED_BASE = (
    ("proliant", "hp", "ProLiant DL380 Gen11", 6),
    ("proliant", "hp", "ProLiant DL360 Gen10", 5),
    ("proliant", "hp", "ProLiant ML350 Gen10", 2),
    ("networking", "hp", "Aruba 6300M", 4),
    ("networking", "hp", "Aruba 2930F", 2),
    ("3par", "hp", "3PAR StoreServ 8440", 1),
    ("converged", "hp", "Synergy 12000", 1),
    ("non_hp", "other", "Dell PowerEdge R750", 1),
)
# What each product line is sold: care packs for servers, networks and storage (36
# months), formulas for converged and multivendor equipment (12 months).
OFFER_FOR_LINE = {
    "proliant": ("CP-PL-4H-24X7", "CP-PL-NBD-9X5", "CP-PL-4H-13X5", "CP-PL-NBD-9X5"),
    "networking": ("CP-NET-NBD-9X5",),
    "3par": ("CP-3PAR-4H-24X7",),
    "converged": ("SC-DATACENTER-24X7",),
    "non_hp": ("SC-MULTIVENDOR-9X5",),
}
PROACTIVE_SELECT = "PS-CREDITS-10"

# Ovesys, whose users log in, keeps the customers the demo always had, then more.
OVESYS_CUSTOMERS = (
    ("CHU Lyon-Est", "Bâtiment informatique", "Bron", "69500", "", PARIS_TZ),
    ("Transports Mosellans", "Dépôt central", "Metz", "57000", "57", PARIS_TZ),
    ("Brasseries d'Alsace", "Site de production", "Strasbourg", "67000", "6AE", PARIS_TZ),
    ("Océan Indien Logistique", "Entrepôt du Port", "Le Port", "97420", "974", REUNION_TZ),
    ("Mutuelle des Flandres", "Siège", "Lille", "59000", "", PARIS_TZ),
    ("Ville de Nantes", "Datacenter municipal", "Nantes", "44000", "", PARIS_TZ),
    ("Fromagerie Keller", "Cave d'affinage", "Colmar", "68000", "6AE", PARIS_TZ),
    ("Clinique Saint-Joseph", "Bloc opératoire", "Villeurbanne", "69100", "", PARIS_TZ),
)
