"""The web chat's exceptions (the tree is drawn in gateway/chat/__init__.py)."""


class ChatError(Exception):
    """Anything the web chat raises."""


class LinkInvalid(ChatError):
    """A chat token that is forged, altered or expired."""
