"""Shipment-field extraction from quote requests and orders (rules always; an LLM when configured).

Errors (errors.py)::

    ExtractError                  anything this package raises
    └── LlmError                  the LLM gave no usable answer; the rules result stands
        ├── LlmUnavailable        connection refused, timeout, HTTP error from the endpoint
        ├── LlmBadOutput          an answer that is not JSON or does not fit the schema
        └── LlmBudgetExhausted    today's token budget is spent
"""
