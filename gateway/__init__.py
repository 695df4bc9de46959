"""BusyBee gateway: the on-premise appliance that reads the sales mailbox and watches the warehouse."""

__version__ = "0.1.0"
