"""Pages of the sales side, one module per family: catalogue, sell, contracts, customers,
assets (with the installed-base import). They handle HTTP only: selectors read,
services write, presenters shape what the templates show.

Tenancy first: every read starts from what the viewer may see (its own partner's rows
for a partner user, everything for HP staff), so another partner's customer, asset or
contract is a 404, including as an id in a URL parameter of the sell flow. A service's
refusal (``DomainError``) is shown in the user's language, nothing changed. List pages
run a fixed number of queries whatever their size.
"""
