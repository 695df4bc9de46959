"""Shipment-field extraction from quote requests and orders (rules always; an LLM when configured)."""
