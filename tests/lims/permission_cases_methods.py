"""Permission cases for the laboratory methods routes (core.testing.permissions)."""
