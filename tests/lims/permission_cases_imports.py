"""Permission cases for the laboratory imports routes (core.testing.permissions)."""
