"""Load: read a situation or ruleset file (YAML or JSON) safely, check it against its JSON Schema, and build the situation."""
