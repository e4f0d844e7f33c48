"""On-site ticket pages, by family: the queues, the ticket page, opening a ticket.

Views handle HTTP only: they read through ``tickets.selectors`` (another
partner's ticket is a 404, for reading and for every action), write only
through ``tickets.services`` and build what the templates show with
``tickets.presenters``. A service's refusal (400, 403, 409) becomes a message
or a form error and changes nothing.
"""
