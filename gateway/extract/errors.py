"""The exception tree of the extract package (drawn in its docstring)."""


class ExtractError(Exception):
    """Anything the extract package raises."""


class LlmError(ExtractError):
    """The LLM gave no usable answer; the rules result stands."""


class LlmUnavailable(LlmError):
    """Connection refused, timeout or an HTTP error from the endpoint."""


class LlmBadOutput(LlmError):
    """The answer is not JSON or does not fit the schema."""


class LlmBudgetExhausted(LlmError):
    """Today's token budget is spent."""
