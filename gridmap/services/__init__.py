"""Use cases composing the layers below (analytics, store, loading) for the app and the CLI."""
