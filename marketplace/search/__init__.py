"""Full-text search and matching. The index is fed only from the outbox (DESIGN.md §6)."""
