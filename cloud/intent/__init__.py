"""Training of the intent classifier: corpus, composition, tokenizer, models, ONNX export, bundle."""
