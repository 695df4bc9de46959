"""The sensors package's exception tree (drawn in gateway/sensors/__init__.py)."""


class SensorError(Exception):
    """Base of the sensors package's exceptions."""


class FrameError(SensorError):
    """A serial line is not a valid NMEA-framed sentence; `reason` is a short machine-readable tag."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SerialPortError(SensorError):
    """The serial port cannot be opened or read."""
