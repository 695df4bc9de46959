"""Real services the tests start on loopback (dovecot, a token endpoint), each owned by a Python object."""
