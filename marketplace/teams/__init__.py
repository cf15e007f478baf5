"""Research teams: capability profiles (能力画像) and technology achievements (科技成果)."""
