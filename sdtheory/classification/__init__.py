"""Classification with label corruption (issue 5)."""
