"""The gateway's SQLite store: connections, named migrations and the content-addressed raw-mail folder.

Errors: StoreError (the database or the disk failed; the caller cannot go on).
"""

from gateway.db.blobs import BlobStore
from gateway.db.database import StoreError, connect, transaction
from gateway.db.migrations import Migration, Migrations

__all__ = ["BlobStore", "Migration", "Migrations", "StoreError", "connect", "transaction"]
