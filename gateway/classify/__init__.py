"""Intent classification on the gateway: a verified model bundle, tokenizers + onnxruntime, the classify job.

Errors (one tree; nothing from onnxruntime or tokenizers escapes this package):

    ClassifyError            anything this package raises
    ├── BundleError          a bundle is missing, altered, inconsistent or fails its self-test
    └── InferenceError       a verified model failed to run on an input
"""

from gateway.classify.errors import BundleError, ClassifyError, InferenceError

__all__ = ["BundleError", "ClassifyError", "InferenceError"]
