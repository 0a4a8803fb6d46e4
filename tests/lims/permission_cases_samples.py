"""Permission cases for the laboratory samples routes (core.testing.permissions)."""
