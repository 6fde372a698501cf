"""``followup rules lint``: static checks of rulesets, confirmed with the engine where it matters.

``lint(dirs)`` returns a ``LintReport`` of ``Finding``s (``file:line: rule-id: message``).
The modules: ``vocabulary`` (which facts exist, their types and what they depend on),
``conditions`` (checks of one condition), ``witness`` (example situations for a condition),
``conflicts`` (rules that fire together and disagree), ``findings`` (the report),
``linter`` (all of it over the merged rulesets of a folder).
"""

from followup.authoring.lint.findings import KINDS, Finding, LintReport
from followup.authoring.lint.linter import lint

__all__ = ["lint", "Finding", "LintReport", "KINDS"]
