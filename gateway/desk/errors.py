"""The quote desk's exceptions (the tree is drawn in gateway/desk/__init__.py)."""


class DeskError(Exception):
    """Anything the quote desk raises."""


class RequestNotFound(DeskError):
    """No request with that id or number."""


class CannotSettle(DeskError):
    """The back office cannot quote or book this shipment (the rate card does not cover it)."""


class CannotRelease(DeskError):
    """Only a request held for staff before the desk ever answered can be handed (back) to the desk."""
