"""Programme pages, by family: ``programme`` (« Mon programme », HP's view of a partner's
programme, what-if), ``accreditations`` (the partner's applications), ``team`` (engineers,
certifications, users) and ``hp`` (approval queue, review and decision, overview).

Views handle HTTP only: they read through ``partners.selectors`` and
``partners.presenters``, write only through ``partners.services``, and turn a service's
refusal into a form error or a message (nothing changed). Every page runs a fixed number
of queries whatever the number of certifications or partners it shows (pinned by tests).
Only ``partners.urls`` imports them.
"""
