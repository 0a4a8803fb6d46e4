"""Permission cases for the laboratory worksheets routes (core.testing.permissions)."""
