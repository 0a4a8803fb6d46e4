"""Permission cases for the instrument routes (core.testing.permissions)."""
