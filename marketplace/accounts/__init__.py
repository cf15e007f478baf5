"""Organisations, users, sessions (login, logout, passwords) and their administration."""
