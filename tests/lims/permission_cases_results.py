"""Permission cases for the laboratory results routes (core.testing.permissions)."""
