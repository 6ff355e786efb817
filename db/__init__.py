"""Persistence: tables, the engine, the one transaction boundary, migrations. Knows no business rules."""
