"""The web chat of the quote desk: a signed, expiring link opens a page whose WebSocket carries the conversation.

Errors (one tree; itsdangerous's exceptions never leave links.py):

    ChatError                anything this package raises
    └── LinkInvalid          a forged, altered or expired chat token
"""

from gateway.chat.errors import ChatError, LinkInvalid

__all__ = ["ChatError", "LinkInvalid"]
