"""The `llm_calls` table: one row per LLM call (tokens, outcome, error), the daily token budget's ledger."""

from sqlite_utils import Database

from gateway.db.migrations import Migrations

migrations = Migrations("extract")


@migrations
def create_llm_calls(db: Database) -> None:
    """Every LLM call with its UTC day, tokens spent and outcome (ok, bad_output, unavailable, budget)."""
    db.execute(
        """
        CREATE TABLE llm_calls (
            id INTEGER PRIMARY KEY,
            day TEXT NOT NULL,
            at REAL NOT NULL,
            model TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'bad_output', 'unavailable', 'budget')),
            error TEXT
        )
        """
    )
    db.execute("CREATE INDEX llm_calls_day ON llm_calls (day)")
