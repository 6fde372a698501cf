"""Authoring: lint, rule tests as data, scaffolding of new rulesets, catalogue coverage."""
