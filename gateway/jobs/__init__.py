"""Durable job queue in the gateway's SQLite database, and the workers that run it.

Errors: PermanentJobError (raised by a handler: dead-letter at once, no retry). Any other
exception a handler raises is retried with exponential backoff until max_attempts.
"""

from gateway.jobs.queue import Job, JobQueue, PermanentJobError

__all__ = ["Job", "JobQueue", "PermanentJobError"]
