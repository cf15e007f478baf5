"""The notification inbox's delivery side: e-mail of notifications, and each user's choices."""
