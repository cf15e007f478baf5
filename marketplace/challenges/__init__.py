"""Challenges (榜单): drafting, bureau review, publication, amendments, Q&A, import."""
