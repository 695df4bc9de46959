"""Fixtures of the classifier tests."""

from tests.classify.helpers import bundle

__all__ = ["bundle"]
