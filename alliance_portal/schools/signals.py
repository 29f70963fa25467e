"""Signals the schools register sends for the apps that show its data."""

from django.dispatch import Signal

# Sent after an import of the register has changed schools, trusts or local
# authorities. Its bulk writes send no per-row signals, so listeners that
# keep copies of register data (the leader directory's cached pages) use this.
register_imported = Signal()
