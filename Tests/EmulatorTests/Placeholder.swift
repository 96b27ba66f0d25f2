// Tests for this module land with the module; see docs/architecture.md.
