"""What the demo's tickets say, and how often equipment breaks."""

from __future__ import annotations

# One-line summaries by product line.
SUMMARIES = {
    "proliant": (
        "Serveur arrêté, voyant santé rouge",
        "Alimentation redondante en panne",
        "Erreurs mémoire corrigibles en rafale",
        "Contrôleur RAID dégradé",
        "Ventilateur bruyant, alerte température",
        "Disque système en pré-panne (SMART)",
        "Carte mère : redémarrages intempestifs",
        "iLO injoignable après mise à jour",
    ),
    "networking": (
        "Commutateur cœur de réseau injoignable",
        "Lien 10 GbE instable",
        "Port SFP+ en erreur CRC",
        "Bloc d'alimentation du commutateur HS",
        "Boucle réseau après remplacement d'un switch",
    ),
    "3par": (
        "Disque en défaut sur la baie",
        "Contrôleur de la baie en état dégradé",
        "Latence d'écriture anormale sur un volume",
        "Batterie de cache à remplacer",
    ),
    "converged": (
        "Module d'interconnexion Synergy en défaut",
        "Lame de calcul injoignable",
        "Frame Synergy : alerte ventilation",
    ),
    "non_hp": (
        "Serveur Dell : alimentation en panne",
        "Disque en défaut (équipement non HP)",
        "Serveur non HP bloqué au démarrage",
    ),
}
PREVENTIVE_SUMMARIES = (
    "Visite préventive : contrôle firmware et journaux",
    "Bilan de santé trimestriel de l'infrastructure",
    "Audit préventif des alimentations et ventilations",
)
# What the engineer wrote when resolving (the report).
REPORTS = (
    "Pièce remplacée, tests de charge concluants.",
    "Alimentation échangée, redondance rétablie.",
    "Barrette mémoire remplacée, plus d'erreur depuis 2 h.",
    "Firmware mis à jour, incident clos avec le client.",
    "Disque remplacé, reconstruction RAID terminée.",
    "Module échangé, services redémarrés et vérifiés avec le client.",
    "Câble et optique remplacés, lien stable.",
)
HANDOVER_REASONS = (
    "Pièce non disponible chez nous",
    "Aucun ingénieur disponible dans le délai",
    "Compétence stockage requise",
    "Site hors de notre zone d'intervention",
)
# Tickets a month per covered asset, by product line (partners that deliver); assets of
# partners that only sell break as often, but few of their customers are in the demo.
MONTHLY_RATE = {
    "proliant": 0.17,
    "networking": 0.12,
    "3par": 0.2,
    "converged": 0.2,
    "non_hp": 0.18,
}
SELLERS_RATE_FACTOR = 0.45
# How often a partner that delivers hands a ticket over to CDS, or lets the ownership
# window pass (CDS then takes the call).
HANDOVER_SHARE = 0.04
FALLBACK_SHARE = 0.015
