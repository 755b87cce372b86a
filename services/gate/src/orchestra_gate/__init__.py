"""The workshop gate: only a pass-holder reaches a workshop application."""
