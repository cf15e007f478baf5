"""Bids (揭榜): sealed submissions by research teams, with versions, receipts and rules."""
