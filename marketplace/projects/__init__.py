"""Projects (项目): what a confirmed award becomes. Minimal for now; issue #12 extends it."""
