"""The synthetic Lanzhou demo (placeholder while building)."""
