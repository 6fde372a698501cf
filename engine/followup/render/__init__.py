"""Render: advice and explanations as text, markdown and JSON for people and tools."""
