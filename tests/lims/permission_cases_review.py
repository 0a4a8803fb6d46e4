"""Permission cases for the laboratory review routes (core.testing.permissions)."""
