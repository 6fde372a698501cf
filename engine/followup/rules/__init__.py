"""Rules: a rule and its conditions, rulesets and their overlays merged per country, compiled for durable_rules, cached."""
