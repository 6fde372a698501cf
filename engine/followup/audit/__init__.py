"""Audit: decision records and logs, the trace of every rule, why not another channel, replay of old decisions."""
