"""REST API of the programme: tiers, courses, partners, eligibility, engineers, certifications,
accreditations (``API.md``). ``urls.py`` registers the viewsets on the shared v1 router."""
