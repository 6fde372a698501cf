"""followup: whether, when and how to follow up on a job application or interview.

Use it from Python::

    import followup
    decision = followup.advise("examples/dk-applied-email.yaml")
    print(decision.verdict)

The package is laid out as the pipeline, one subpackage per stage, each importing only the
ones before it: ``base`` → ``load`` (YAML/JSON, schema, situation) → ``rules`` (rules,
conditions, overlays merged, compiled) → ``engine`` (facts, working days, durable_rules,
resolver) → ``audit`` (decision records, logs, explanations, replay) → ``render`` → this API →
``authoring`` (lint, rule tests: users of this API, as the CLI is) → ``serve`` → ``cli``.
"""

__version__ = "0.1.0"

from followup.api import (  # noqa: E402 - the version is set first: the decision record reads it
    LANGUAGES,
    Decision,
    DecisionLog,
    InputError,
    InputErrors,
    Rules,
    advise,
    explain,
    rules,
    why_not,
)

__all__ = ["LANGUAGES", "Decision", "DecisionLog", "InputError", "InputErrors", "Rules", "__version__", "advise",
           "explain", "rules", "why_not"]
