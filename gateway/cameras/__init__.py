"""MQTT cameras: ESP32-CAM frames over mosquitto, one bounded frame store, commands, broker config, Home Assistant.

Errors (gateway/cameras/errors.py):
    CameraError                    base of this package's exceptions
    ├── FrameRejected              a payload is not an acceptable frame/status (`reason`; counted, never fatal)
    ├── CommandError               a camera command is invalid or cannot be sent
    ├── RegistryError              a camera id is invalid, unknown or already registered
    └── BrokerConfigError          the mosquitto files cannot be generated or written
"""
