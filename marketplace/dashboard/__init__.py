"""Home page and the bureau's own pages (audit trail)."""
