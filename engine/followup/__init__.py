"""followup: whether, when and how to follow up on a job application or interview.

The path from a situation file to advice reads in module order:
``yamlio`` (load) → ``schema`` (validate) → ``ruleset`` (merge overlays) →
``compiler`` (compile to durable_rules) → ``evaluate`` → ``resolve`` → ``render``.
"""

__version__ = "0.1.0"
