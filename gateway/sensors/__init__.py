"""Warehouse sensing: serial sensor boards (NMEA-framed `$BB` sentences and GPS), readings, alerts.

Errors (gateway/sensors/errors.py):
    SensorError                    base of this package's exceptions
    ├── FrameError                 a serial line is not a valid sentence (counted and dropped, never fatal)
    └── SerialPortError            the serial port cannot be opened or read (the source reconnects)
"""
