"""Statistics: the staff dashboard (/staff/dashboard) and the public figures (/stats)."""
