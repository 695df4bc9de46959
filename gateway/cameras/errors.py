"""The cameras package's exception tree (drawn in gateway/cameras/__init__.py)."""


class CameraError(Exception):
    """Base of the cameras package's exceptions."""


class FrameRejected(CameraError):
    """A payload was rejected; `reason` is a short machine-readable tag used as a metric label."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class CommandError(CameraError):
    """A camera command is invalid, or the broker connection is not there to send it."""


class RegistryError(CameraError):
    """A camera id is invalid, unknown, or already registered."""


class BrokerConfigError(CameraError):
    """The mosquitto configuration, password file or ACL cannot be generated or written."""
