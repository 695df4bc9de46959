"""The LAN dashboard: FastAPI app, login, inbox, health and metrics."""
