"""The exception tree of gateway.classify (drawn in the package docstring)."""


class ClassifyError(Exception):
    """Base of every error raised by gateway.classify."""


class BundleError(ClassifyError):
    """A model bundle cannot be used: the message names the file and what is wrong with it."""


class InferenceError(ClassifyError):
    """A verified model failed to run on an input."""
