"""Permission cases for the laboratory tests routes (core.testing.permissions)."""
