"""HTTP handlers: recorder, exporter, presence, SSR commands, users, insights (``neurospeed.md`` 3)."""
