"""The figures the demo keeps (the article's) and the names it draws partners from."""

from __future__ import annotations

from decimal import Decimal

from partners.programme import COURSES

SEED = 20260901  # any constant: the same plan for the same day, run after run
EMAIL_DOMAIN = "example"  # RFC 2606: demo addresses can never reach anyone

# How many partners of each profile (Ovesys, a "deliver" partner, comes on top).
EXPERTS = 19  # "une petite vingtaine"; held with an approved accreditation
EXPERTS_AT_RISK = 2  # one of their two 3PAR-MASE engineers expires within 60 days
PROACTIVE_SELECT = 6  # experts who co-deliver Proactive Select ("une demi-douzaine")
EXPERTS_IN_GRACE = 1  # approved, but a 3PAR-MASE certification has expired
APPLICANTS = 3  # meet every Expert criterion, application waiting for HP
DELIVERERS = 6  # Deliver, no Expert progress worth applying with
DELIVERERS_AT_RISK = 2  # exactly two PL-ASE engineers, one expiring within 60 days
DELIVERERS_IN_GRACE = 2  # their only NET-ATP certification has expired
SELLERS = 68
REGISTERED = 30
# Just under the 10,000 EUR threshold, so the gap reads "il manque 800 €".
JUST_BELOW = tuple(
    Decimal(amount) for amount in ("9200.00", "9650.00", "9480.00", "8900.00", "9995.00")
)

MONTHS = {code: months for code, _fr, _en, _line, months, _advanced in COURSES}

STEMS = (
    "Alvéor", "Arcalys", "Armévia", "Bastélis", "Bérovia", "Brénac", "Calvanor", "Cantaris",
    "Cévanor", "Corélis", "Dalmévia", "Elvénor", "Estrévia", "Ferrandis", "Flornac",
    "Galmérys", "Garvélis", "Helvanor", "Ivarnel", "Jolvéa", "Kervénic", "Lanvélis",
    "Lorvénac", "Maravélis", "Mirvanor", "Nérovia", "Norvélis", "Orvénac", "Ostralys",
    "Parvélis", "Pelvanor", "Quervéa", "Ravélis", "Rocanel", "Salvénor", "Sarvélis",
    "Tarvénac", "Telmarys", "Ulvéor", "Valcénor", "Varvélis", "Vernalys", "Xalvéa",
    "Yrvénic", "Zanvélis", "Ambrélis", "Bocavéa", "Cordénac", "Duralys", "Esquérac",
)  # fmt: skip
ACTIVITIES = (
    "Informatique", "Systèmes", "Services", "Réseaux", "Solutions", "Maintenance",
    "Technologies", "Infogérance", "Datacenter", "IT",
)  # fmt: skip
LEGAL_FORMS = ("SAS", "SARL", "SA", "", "", "")
CITIES = (
    "Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Bordeaux", "Lille", "Rennes",
    "Strasbourg", "Montpellier", "Grenoble", "Nice", "Rouen", "Tours", "Dijon",
    "Clermont-Ferrand", "Orléans", "Angers", "Brest", "Metz", "Nancy", "Reims", "Caen",
    "Limoges", "Poitiers", "Perpignan", "Pau", "Annecy", "Besançon", "Amiens", "Le Mans",
    "Saint-Étienne", "Mulhouse", "Valence", "Avignon", "Toulon", "La Rochelle", "Quimper",
    "Saint-Denis (La Réunion)", "Nanterre", "Boulogne-Billancourt", "Vannes",
)  # fmt: skip
FIRST_NAMES = (
    "Camille", "Julie", "Nicolas", "Antoine", "Lucie", "Mathieu", "Émilie", "Pierre",
    "Sarah", "Guillaume", "Manon", "Romain", "Chloé", "Alexandre", "Léa", "Maxime",
    "Pauline", "Hugo", "Laura", "Benoît", "Céline", "Florian", "Inès", "Jérôme",
    "Amandine", "Sébastien", "Aurélie", "Yannick", "Nathalie", "Olivier", "Sandrine",
    "Fabien", "Mélanie", "Cédric", "Hélène", "Damien", "Karima", "Mehdi", "Yasmine",
    "Loïc", "Gaëlle", "Thibault", "Margaux", "Quentin", "Anaïs", "Vincent", "Élise",
    "Rachid", "Stéphanie", "Jérémy", "Thomas", "Océane", "Bruno", "Nadège",
)  # fmt: skip
LAST_NAMES = (
    "Dubois", "Moreau", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David",
    "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
    "Rousseau", "Muller", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer",
    "Garnier", "Chevalier", "Legrand", "Gauthier", "Perrin", "Robin", "Clément", "Morin",
    "Henry", "Roussel", "Masson", "Marchand", "Duval", "Denis", "Dumont", "Lemaire",
    "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud", "Joly",
    "Rivière", "Brunet", "Gaillard", "Barbier", "Arnaud", "Roche", "Renard", "Schmitt",
    "Colin", "Vidal", "Caron", "Picard", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas",
    "Lacroix", "Bourgeois", "Le Gall", "Le Goff", "Payet", "Hoarau", "Grondin", "Benali",
    "Nguyen", "Da Silva", "Kergoat", "Le Bihan", "Etcheverry", "Haddad",
)  # fmt: skip
APPROVAL_COMMENTS = (
    "Dossier complet, accréditation Expert validée.",
    "Certifications 3PAR et CI vérifiées : validé pour 12 mois.",
    "Validé. Merci de planifier les renouvellements MASE à l'avance.",
    "Accréditation accordée ; audit qualité des interventions satisfaisant.",
)

# Ovesys ("testée en pilote par Ovesys l'année dernière") — the partner whose users log in.
# (name, e-mail local part, login username or "", [(course, how to date it)])
# Dates: ("ago", n) passed n days ago; ("expires_in", n) expires n days from today.
OVESYS_TEAM = (
    (
        "Sophie Petit",
        "sophie.petit",
        "ovesys.engineer",
        (("PL-ASE", ("ago", 310)), ("3PAR-MASE", ("ago", 205)), ("PS-DELIVERY", ("ago", 150))),
    ),
    ("Thomas Girard", "thomas.girard", "", (("PL-ASE", ("expires_in", 41)), ("NET-ATP", ("ago", 260)))),
    ("Élodie Fontaine", "elodie.fontaine", "", (("3PAR-MASE", ("ago", 120)), ("3PAR-ASE", ("ago", 480)))),
    ("Karim Haddad", "karim.haddad", "", (("NET-ATP", ("ago", 95)), ("MV-SUPPORT", ("ago", 60)))),
)  # fmt: skip
OVESYS_DOMAIN = "ovesys.example"
