"""The quote desk: one conversation per quote request or order, by email and web chat, until quoted or handed over.

Errors (one tree; callers outside the package catch DeskError):

    DeskError                anything this package raises
    ├── RequestNotFound      no request with that id or number
    ├── CannotSettle         the back office cannot quote or book it (the request is handed over)
    └── CannotRelease        staff asked the desk to answer a request it already answered or staff took over
"""

from gateway.desk.errors import CannotRelease, CannotSettle, DeskError, RequestNotFound

__all__ = ["CannotRelease", "CannotSettle", "DeskError", "RequestNotFound"]
