"""Foundations every stage shares: errors with exit codes, file locations, record helpers."""
