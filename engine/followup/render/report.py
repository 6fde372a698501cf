"""The full trace and why-not answers for people: plain text, and Markdown for counsellors.

Text is for a terminal: the verdict, the rules that fired (ranked as the resolver ranks them:
priority, then definition order) with every condition and what it saw, then the rules that
did not fire, grouped by the first condition that failed. Markdown says the same in a form a
counsellor can paste into a message: headings, bullets, the articles' own words quoted.
"""

from __future__ import annotations

import re
import textwrap
from typing import Iterable

from followup.base.words import visible
from followup.engine.advice import Advice
from followup.rules.condition import GroupResult, LeafResult, Result
from followup.audit.record import DecisionRecord
from followup.audit.explain import Explanation, RuleTrace
from followup.engine.facts import DERIVED_FACTS
from followup.base.names import channel_name
from followup.render.draft import make_draft
from followup.render.text import verdict, warning_lines
from followup.render.words import language_name
from followup.audit.whynot import Alternatives, Change, Reason, WhyNot, actual_words, failure_parts, failure_words, show_value

INDENT = "      "
_KIND_WORDS = {"all": "all of:", "any": "any of:", "not": "not:"}
#: What the changes listed under a reason achieve, by the kind of reason.
_CHANGE_INTRO = {"would_recommend": "For it to apply", "would_follow_up": "For it to apply", "delays": "For this to change"}


def ranked(explanation: Explanation) -> list[RuleTrace]:
    """The fired rules as the resolver ranks them: higher priority first, then definition order."""
    fired = explanation.fired()
    return sorted(fired, key=lambda r: -r.rule.priority)


def blocked_groups(explanation: Explanation) -> dict[str, list[RuleTrace]]:
    """The rules that did not fire, grouped by the words for the first condition that failed."""
    groups: dict[str, list[RuleTrace]] = {}
    for trace in explanation.not_fired():
        blocking = trace.blocking()
        groups.setdefault(failure_words(blocking) if blocking else "", []).append(trace)
    return groups


# --- Text ---------------------------------------------------------------------------------------


def explanation_text(advice: Advice, explanation: Explanation, record: DecisionRecord, width: int = 88) -> str:
    """The full trace for a terminal; warnings (no rules for the country) first."""
    lines = warning_lines(advice, width) + [verdict(advice), ""]
    lines += _disagreement_lines(explanation)
    fired = ranked(explanation)
    lines.append(f"Rules that applied ({len(fired)} of {len(explanation.rules)}), highest priority first:")
    for trace in fired:
        lines += _fired_text(trace, width)
    groups = blocked_groups(explanation)
    if groups:
        lines += ["", f"Rules that did not apply ({len(explanation.not_fired())}), by the first condition that failed:"]
        for words, traces in groups.items():
            lines += textwrap.wrap(words, width, initial_indent="  ", subsequent_indent="    ")
            lines += [f"    [{t.id}] {t.rule.title}" for t in traces]
    if explanation.disabled:
        lines += ["", "Switched off by an overlay:"]
        lines += [f"  [{d.id}] ({d.layer}) {d.reason}" for d in explanation.disabled]
    lines += ["", footer(record)]
    return visible("\n".join(line.rstrip() for line in lines) + "\n")


def _fired_text(trace: RuleTrace, width: int) -> list[str]:
    rule = trace.rule
    out = [f"  [{rule.id}] {rule.title}", f"{INDENT}{_layer_words(trace)}"]
    out += _wrap(f"because: {rule.because}", width)
    out += [f"{INDENT}{line}" for line in condition_lines(trace.result)]
    out += _wrap(f"source: {rule.source}", width)
    for o in trace.overridden_by:
        out += _wrap(f"not followed: {o.part} (beaten by {o.by}: {o.why})", width)
    return out


def condition_lines(result: Result, depth: int = 0) -> list[str]:
    """Each condition on a line, nested groups indented: ``✓ stage is 'applied' (here: 'applied')``."""
    pad = "  " * depth
    if isinstance(result, LeafResult):
        return [f"{pad}{_mark(result.held)} {result.condition.describe()} (here: {actual_words(result)})"]
    assert isinstance(result, GroupResult)
    if depth == 0 and result.condition.kind == "all":
        return [line for child in result.children for line in condition_lines(child, 0)]
    head = [f"{pad}{_mark(result.held)} {_KIND_WORDS[result.condition.kind]}"]
    return head + [line for child in result.children for line in condition_lines(child, depth + 1)]


def why_not_text(answer: WhyNot, record: DecisionRecord, width: int = 88) -> str:
    """A why-not answer for a terminal."""
    lines = [f"Why not {_subject(answer.subject)}?", *textwrap.wrap(answer.answer, width)]
    for reason in answer.reasons:
        lines.append("")
        lines += _reason_text(reason, width)
    lines += ["", footer(record)]
    return visible("\n".join(line.rstrip() for line in lines) + "\n")


def _reason_text(reason: Reason, width: int) -> list[str]:
    trace = reason.rule
    head = f"  [{trace.id}] {trace.rule.title}: {reason.message}" if trace else f"  {reason.message}"
    out = textwrap.wrap(head, width, subsequent_indent=INDENT)
    if trace:
        out += [f"{INDENT}{_layer_words(trace)}"]
        out += _wrap(f"because: {trace.rule.because}", width)
        out += _wrap(f"source: {trace.rule.source}", width)
    intro = _CHANGE_INTRO.get(reason.kind, "For it not to apply")
    out += [f"{INDENT}{line}" for line in changes_lines(reason.changes, intro)]
    return out


def changes_lines(changes: Alternatives, intro: str) -> list[str]:
    """What would have to change, in words: one line, or a numbered list of alternatives."""
    if not changes:
        return ["Nothing in the situation could change this."]
    if len(changes) == 1 and len(changes[0]) == 1:
        return [f"{intro}: {_change_words(changes[0][0])}."]
    lines = [f"{intro}, {'this' if len(changes) == 1 else 'any one of these'} would have to change:"]
    for number, alternative in enumerate(changes, start=1):
        words = [_change_words(c) for c in alternative]
        lines.append(f"  {number}. {words[0]}")
        lines += [f"     and {w}" for w in words[1:]]
    return lines


def changes_markdown(changes: Alternatives, intro: str) -> list[str]:
    """What would have to change, as Markdown (facts and values as code)."""
    if not changes:
        return ["Nothing in the situation could change this."]
    words = [[_change_markdown(c) for c in alternative] for alternative in changes]
    if len(words) == 1 and len(words[0]) == 1:
        return [f"{intro}: {words[0][0]}."]
    lines = [f"{intro}, {'this' if len(words) == 1 else 'any one of these'} would have to change:"]
    return lines + [f"{n}. " + "; and ".join(alternative) for n, alternative in enumerate(words, start=1)]


def _change_markdown(change: Change) -> str:
    now = show_value(change.now) if change.given else "not given"
    return f"{code(change.fact)} is {code(now)}; it would have to be {md(change.needed)}"


def footer(record: DecisionRecord) -> str:
    """The decision record in one line."""
    return (f"Decision {record.id}: rules {record.ruleset_version} ({record.ruleset_digest[:19]}), "
            f"followup {record.engine}, advised for {record.today.isoformat()}.")


# --- Markdown -----------------------------------------------------------------------------------


def explanation_markdown(advice: Advice, explanation: Explanation, record: DecisionRecord) -> str:
    """The full trace as Markdown, to paste into a message."""
    lines = ["### Advice", ""] + [f"> **Warning:** {md(w)}" for w in advice.warnings] + ([""] if advice.warnings else [])
    lines += [f"**{md(verdict(advice))}**", ""]
    lines += [f"> **Note:** {md(line)}" for line in _disagreement_lines(explanation) if line]
    for title, points in (("Say", advice.say), ("Avoid", advice.avoid), ("Be careful", advice.cautions)):
        if points:
            lines += [f"### {title}", ""] + [f"- {md(p.text)} (`{p.rule}`)" for p in points] + [""]
    draft = make_draft(advice)
    if draft is not None:
        lines += [f"### Draft ({md(channel_name(draft.channel))}, {md(language_name(draft.language))})", ""]
        # CommonMark: a fence longer than any run of backticks inside cannot be closed by the text.
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", draft.text())), default=0))
        lines += [fence + "text", *draft.text().splitlines(), fence, ""]
        if draft.placeholders:
            lines += [f"Fill in: {', '.join(code(p) for p in draft.placeholders)}.", ""]
        lines += [f"> “{md(s.quote)}” (seed {s.seed}, {', '.join(s.items)})" for s in draft.sources] + [""]
    lines += ["### Why", ""]
    for trace in ranked(explanation):
        lines += _fired_markdown(trace)
    blocked = [t for t in explanation.not_fired() if t.blocking() is not None]
    if blocked:
        lines += ["### Rules that did not apply", ""]
        groups: dict[str, list[RuleTrace]] = {}
        for trace in blocked:
            condition, seen = failure_parts(trace.blocking())  # type: ignore[arg-type]
            here = ", ".join(f"{code(fact)} is {code(value)}" for fact, value in seen)
            groups.setdefault(f"needs {code(condition)}, but here {here}", []).append(trace)
        for words, traces in groups.items():
            titles = "; ".join(f"*{md(t.rule.title)}* ({code(t.id)})" for t in traces)
            lines.append(f"- {titles}: {words}.")
        lines.append("")
    if explanation.disabled:
        lines += ["### Switched off for this country", ""]
        lines += [f"- `{d.id}` ({md(d.layer)}): {md(d.reason)}" for d in explanation.disabled]
        lines.append("")
    lines.append(f"<sub>{md(footer(record))}</sub>")
    return visible("\n".join(lines) + "\n")


def _fired_markdown(trace: RuleTrace) -> list[str]:
    rule = trace.rule
    seen = "; ".join(f"{code(leaf.condition.fact)} is {code(actual_words(leaf))}" for leaf in _distinct_leaves(trace.result))
    lines = [f"- **{md(rule.title)}** (`{rule.id}`, {md(_layer_words(trace))}): {md(rule.because)}"]
    if seen:
        lines.append(f"  Seen: {seen}.")
    lines.append(f"  > “{md(rule.source.quote)}” (seed {rule.source.seed}, {', '.join(rule.source.items)})")
    for o in trace.overridden_by:
        lines.append(f"  Not followed: {md(o.part)}, beaten by `{o.by}` ({md(o.why)}).")
    return lines + [""]


def why_not_markdown(answer: WhyNot, record: DecisionRecord) -> str:
    """A why-not answer as Markdown."""
    lines = [f"### Why not {md(_subject(answer.subject))}?", "", f"**{md(answer.answer)}**", ""]
    for reason in answer.reasons:
        trace = reason.rule
        if trace:
            lines.append(f"- **{md(trace.rule.title)}** (`{trace.id}`, {md(_layer_words(trace))}) "
                         f"{md(reason.message)}: {md(trace.rule.because)}")
            lines.append(f"  > “{md(trace.rule.source.quote)}” (seed {trace.rule.source.seed}, "
                         f"{', '.join(trace.rule.source.items)})")
        else:
            lines.append(f"- {md(_capital(reason.message))}.")
        intro = _CHANGE_INTRO.get(reason.kind, "For it not to apply")
        lines += [f"  {line}" for line in changes_markdown(reason.changes, intro)]
        lines.append("")
    lines.append(f"<sub>{md(footer(record))}</sub>")
    return visible("\n".join(lines) + "\n")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_BACKTICKS = re.compile("`+")


def _one_line(text: str) -> str:
    """Text on one line with nothing a terminal would act on: a line break (or two) in a name
    must not start a heading, a list or a new block of the Markdown it is put into."""
    return visible(text).replace("\r", " ").replace("\n", " ")


def md(text: str) -> str:
    """Text with Markdown's special characters escaped, so rule text or a name never turns into
    markup or HTML (``<`` is escaped too), on one line, control characters written as escapes."""
    return _MD_SPECIAL.sub(r"\\\1", _one_line(text))


def code(text: str) -> str:
    """``text`` as a Markdown code span, fenced with more backticks than it holds in a row, so
    nothing inside can end it."""
    text = _one_line(text)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    if not longest:
        return f"`{text}`"
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


# --- Shared pieces ------------------------------------------------------------------------------


def _disagreement_lines(explanation: Explanation) -> list[str]:
    if not explanation.disagreements:
        return []
    return [f"Warning: for {', '.join(explanation.disagreements)} the trace below does not agree with the rules "
            "engine about whether the rule applies; the advice follows the engine. A condition that compares a "
            "fact with a value of another type does this ('followup rules lint' finds it); otherwise, please "
            "report it.", ""]


def _layer_words(trace: RuleTrace) -> str:
    rule = trace.rule
    layer = rule.layer if rule.layer == rule.origin.layer else f"{rule.layer}, overriding {rule.origin.layer}"
    return f"layer {layer}, priority {rule.priority}"


def _distinct_leaves(result: Result) -> Iterable[LeafResult]:
    leaves = [result] if isinstance(result, LeafResult) else result.leaf_results()
    return {leaf.condition.fact: leaf for leaf in leaves}.values()


def _change_words(change: Change) -> str:
    info = DERIVED_FACTS.get(change.fact)
    text = str(change)
    return text.replace(change.fact, f"{change.fact} ({info.meaning})", 1) if info else text


def _mark(held: bool) -> str:
    return "✓" if held else "✗"


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=INDENT, subsequent_indent=INDENT + "  ")


def _subject(subject: str) -> str:
    return "follow up now" if subject == "follow_up" else channel_name(subject)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
