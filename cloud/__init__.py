"""BusyBee cloud: retraining, evaluation and (later) fleet services."""
