"""A rule author's path: start a country with ``rules new``, override and disable base rules,
then ``advise``, ``rules lint``, ``rules test``, ``rules show`` and ``rules list`` on it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, write
from followup.base.errors import InputErrors
from followup.base.paths import rulesets_dir
from followup.rules.ruleset import Library, load_layer

FI_SITUATION = """\
country: FI
today: 2026-03-05
stage: applied
application: {sent_on: 2026-03-01, via: email}
contact: {name: Aino Virtanen, email: aino@example.fi}
"""


def uncomment(text: str, header: str) -> str:
    """The skeleton with the commented block under ``header`` made live (what an author does)."""
    lines = text.splitlines()
    start = lines.index(header) + 1
    end = start
    while end < len(lines) and lines[end].startswith("# ") and not lines[end].startswith("# To "):
        end += 1
    return "\n".join(lines[:start] + [line[2:] for line in lines[start:end]] + lines[end:]) + "\n"


@pytest.fixture
def fi(run, tmp_path: Path) -> Path:
    result = run("rules", "new", "--country", "FI", "--dir", str(tmp_path / "rules"))
    assert result.code == 0, result.err
    return tmp_path / "rules"


def test_new_writes_an_overlay_and_tests_that_pass_lint_and_test(run, fi: Path) -> None:
    overlay = yaml.safe_load((fi / "fi.yaml").read_text(encoding="utf-8"))
    assert (overlay["ruleset"], overlay["extends"], overlay["country"]) == ("fi", "base", "FI")
    assert overlay["rules"][0]["source"]["quote"]
    text = (fi / "fi.yaml").read_text(encoding="utf-8")
    assert "# override:" in text and "# disable:" in text
    assert (fi / "tests" / "fi.yaml").is_file()
    lint = run("rules", "lint", str(fi))
    assert lint.code == 0 and lint.out.splitlines()[-1].startswith("0 errors, 0 warnings"), lint.out
    test = run("rules", "test", str(fi), "--min-coverage", "100")
    assert test.code == 0, test.out
    assert "2 cases: 2 passed, 0 failed" in test.out and "fi: 1/1 (100%)" in test.out


def test_new_refuses_to_overwrite(run, fi: Path) -> None:
    before = (fi / "fi.yaml").read_text(encoding="utf-8")
    result = run("rules", "new", "--country", "fi", "--dir", str(fi))
    assert result.code == 2
    assert f"{fi / 'fi.yaml'}: already exists; refusing to overwrite it" in result.err
    assert (fi / "fi.yaml").read_text(encoding="utf-8") == before


def test_new_refuses_a_bad_country_code(run, tmp_path: Path) -> None:
    result = run("rules", "new", "--country", "Finland", "--dir", str(tmp_path))
    assert result.code == 2 and "not a two-letter country code" in result.err
    assert not any(tmp_path.iterdir())


def test_an_author_overrides_and_disables_base_rules(run, fi: Path, tmp_path: Path) -> None:
    text = (fi / "fi.yaml").read_text(encoding="utf-8")
    text = uncomment(text, "# To change a rule of a lower layer, uncomment and edit (it replaces only the parts you give):")
    text = uncomment(text, "# To switch a rule of a lower layer off:")
    data = yaml.safe_load(text)
    target, victim = data["override"][0]["id"], data["disable"][0]["id"]
    # The author gives the overridden rule a Finnish condition and timing of its own.
    text = re.sub(r"(- id: %s\n)  then:.*\n(?:    .*\n)*" % re.escape(target),
                  r"\1  when: {all: [{fact: stage, equals: applied}, {fact: application.sent_on, exists: true}]}\n"
                  r"  then: {earliest: 10 days after application.sent_on, latest: 12 days after application.sent_on}\n",
                  text)
    (fi / "fi.yaml").write_text(text, encoding="utf-8")
    tests = (fi / "tests" / "fi.yaml").read_text(encoding="utf-8") + f"""\
  - name: the Finnish timing is in force and the disabled rule is gone
    situation:
      country: FI
      today: 2026-03-05
      stage: applied
      application: {{sent_on: 2026-03-01, via: email}}
    expect:
      fired: [{target}]
      not_fired: [{victim}]
"""
    (fi / "tests" / "fi.yaml").write_text(tests, encoding="utf-8")

    situation = write(tmp_path, "me.yaml", FI_SITUATION)
    advice = run("advise", str(situation), "--rules", str(fi), "--format", "json")
    assert advice.code == 0, advice.err
    doc = advice.json()
    assert doc["ruleset"]["version"].endswith("+fi@0.1.0")
    entry = next(e for e in doc["trace"] if e["id"] == target)
    assert entry["ruleset"] == "fi" and entry["defined_in"] == "base"
    assert entry["layer_overrides"] == [{"layer": "fi", "replaced_layer": "base", "fields": ["when", "then"]}]
    window = next(w for w in doc["timing"]["windows"] if w["rule"] == target)
    assert (window["earliest"], window["latest"]) == ("2026-03-11", "2026-03-13")
    assert victim not in {e["id"] for e in doc["trace"]}

    lint = run("rules", "lint", str(fi))
    assert lint.code == 0, lint.out
    test = run("rules", "test", str(fi), "--min-coverage", "100")
    assert test.code == 0, test.out
    assert "3 cases: 3 passed" in test.out and "fi: 2/2 (100%)" in test.out

    shown = run("rules", "show", "--country", "fi", "--rules", str(fi), "--format", "json").json()
    rule = next(r for r in shown["rules"] if r["id"] == target)
    assert (rule["layer"], rule["defined_in"], rule["overrides"][0]["fields"]) == ("fi", "base", ["when", "then"])
    assert [d["id"] for d in shown["disabled"]] == [victim]
    assert victim not in {r["id"] for r in shown["rules"]}


def test_rule_test_failures_show_a_diff_and_fail(run, fi: Path) -> None:
    path = fi / "tests" / "fi.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("not_fired: [fi-thank-you-note]",
                                                             "fired: [fi-thank-you-note]"), encoding="utf-8")
    result = run("rules", "test", str(fi))
    assert result.code == 1
    assert f"FAIL {path}:" in result.out and "once you have thanked them, it is not" in result.out
    assert "  rule fi-thank-you-note did not fire" in result.out
    assert "  --- expected\n  +++ got\n" in result.out and "  -  - fi-thank-you-note" in result.out
    assert "2 cases: 1 passed, 1 failed" in result.out
    data = run("rules", "test", str(fi), "--format", "json").json()
    assert data["summary"] == {"cases": 2, "passed": 1, "failed": 1} and data["ok"] is False
    failed = next(c for c in data["cases"] if not c["passed"])
    assert failed["failures"] == ["rule fi-thank-you-note did not fire"] and failed["diff"][0] == "--- expected"


def test_min_coverage_fails_below_the_threshold(run, fi: Path) -> None:
    path = fi / "fi.yaml"
    extra = """
  - id: fi-never-tested
    title: Considering, not applied yet
    when: {fact: stage, equals: considering}
    then: {caution: [Read the posting first.]}
    because: test
    source: {seed: "000", items: [G5], quote: "Tjek først stillingsopslaget"}
"""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n# To change a rule", extra + "\n# To change a rule", 1), encoding="utf-8")
    assert run("rules", "test", str(fi)).code == 0
    result = run("rules", "test", str(fi), "--min-coverage", "80")
    assert result.code == 1
    assert "fi: 1/2 (50%)" in result.out and "not fired: fi-never-tested" in result.out
    assert "total: 50.0% (below the minimum of 80%)" in result.out
    data = run("rules", "test", str(fi), "--min-coverage", "80", "--format", "json").json()
    assert data["coverage"]["percent"] == 50.0 and data["coverage"]["minimum"] == 80.0 and data["ok"] is False


def test_a_user_layer_replacing_a_shipped_one_is_said_in_the_advice(run, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    base = (ROOT / "rulesets" / "base.yaml").read_text(encoding="utf-8")
    (rules / "base.yaml").write_text(base, encoding="utf-8")
    situation = write(tmp_path, "me.yaml", FI_SITUATION)
    message = f"layer base from {rules / 'base.yaml'} replaces the shipped one ({rulesets_dir() / 'base.yaml'})"
    assert message in run("advise", str(situation), "--rules", str(rules), "--format", "json").json()["warnings"]
    text = " ".join(run("advise", str(situation), "--rules", str(rules)).out.split())
    assert "Warnings: - no rules for country FI" in text and "- layer base from " in text  # wrapped at hyphens
    assert "replaces the shipped one" in text


def layer(folder: Path, name: str, body: str, shipped: bool = False):
    folder.mkdir(exist_ok=True)
    return load_layer(write(folder, f"{name}.yaml", body), shipped=shipped)


RULE = """
  - id: {id}
    title: t
    when: {{fact: stage, equals: applied}}
    then: {{caution: [c]}}
    because: b
    source: {{seed: "000", items: [T2], quote: q}}
"""


def test_overlay_of_an_overlay(tmp_path: Path) -> None:
    base = layer(tmp_path, "base", 'ruleset: base\nversion: "1"\nrules:' + RULE.format(id="aa") + RULE.format(id="bb"))
    nordic = layer(tmp_path, "nordic", 'ruleset: nordic\nversion: "2"\nextends: base\nrules:' + RULE.format(id="nn")
                   + "override:\n  - {id: aa, priority: 3, because: nordic, source: {seed: '001', items: [C8], quote: q}}\n")
    fi = layer(tmp_path, "fi", 'ruleset: fi\nversion: "3"\nextends: nordic\ncountry: FI\n'
               "override:\n  - {id: aa, priority: 7, because: finnish, source: {seed: '003', items: [T7], quote: q}}\n"
               "  - {id: nn, title: changed, because: finnish, source: {seed: '003', items: [T7], quote: q}}\n"
               "disable:\n  - {id: bb, reason: not here}\n")
    merged = Library([base, nordic, fi]).merged("FI")
    assert merged.version == "base@1+nordic@2+fi@3"
    assert [r.id for r in merged.rules] == ["aa", "nn"]
    a = merged.rule("aa")
    assert (a.priority, a.layer, a.origin.layer, a.because) == (7, "fi", "base", "finnish")
    assert [(o.layer, o.replaced_layer, o.fields) for o in a.overrides] == [("nordic", "base", ("priority",)),
                                                                          ("fi", "nordic", ("priority",))]
    assert merged.rule("nn").title == "changed" and merged.rule("nn").origin.layer == "nordic"
    assert [(d.id, d.layer, d.reason) for d in merged.disabled] == [("bb", "fi", "not here")]
    assert Library([base, nordic, fi]).merged("SE").version == "base@1"


def test_a_disabled_id_cannot_come_back_or_be_overridden(tmp_path: Path) -> None:
    base = layer(tmp_path, "base", 'ruleset: base\nversion: "1"\nrules:' + RULE.format(id="aa"))
    off = layer(tmp_path, "off", 'ruleset: off\nversion: "1"\nextends: base\ndisable:\n  - {id: aa, reason: r}\n')
    again = layer(tmp_path, "again", 'ruleset: again\nversion: "1"\nextends: off\ncountry: XA\nrules:' + RULE.format(id="aa")
                  + "override:\n  - {id: aa, title: x, because: b, source: {seed: '000', items: [T2], quote: q}}\n")
    with pytest.raises(InputErrors) as caught:
        Library([base, off, again]).merged("XA")
    messages = [e.format_message() for e in caught.value.errors]
    assert messages == [
        f"{again.file}:13: override.id: overrides 'aa', which layer 'off' disabled",
        f"{again.file}:6: id: rule id 'aa' was disabled by layer 'off'; a new rule needs a new id"]


def test_a_users_layer_for_a_country_wins_over_the_shipped_one(tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    mine = tmp_path / "mine"
    base = layer(shipped, "base", 'ruleset: base\nversion: "1"\nrules:' + RULE.format(id="aa"), shipped=True)
    dk = layer(shipped, "dk", 'ruleset: dk\nversion: "1"\nextends: base\ncountry: DK\n', shipped=True)
    local = layer(mine, "dk-local", 'ruleset: dk-local\nversion: "1"\nextends: dk\ncountry: DK\n')
    other = layer(mine, "mydk", 'ruleset: mydk\nversion: "1"\nextends: base\ncountry: DK\n')
    extending = Library([base, dk, local]).merged("DK")
    assert extending.version == "base@1+dk@1+dk-local@1" and not extending.warnings
    replacing = Library([base, dk, other]).merged("DK")
    assert replacing.version == "base@1+mydk@1"
    assert replacing.warnings == (f"layer mydk from {other.file} is used for DK instead of the shipped layer dk ({dk.file})",)
    with pytest.raises(InputErrors) as caught:
        Library([base, dk, local, other])
    assert "country DK is claimed by several layers, none extending the others" in caught.value.format_message()


def test_show_text_yaml_and_list(run, fi: Path) -> None:
    text = run("rules", "show", "--country", "FI", "--rules", str(fi))
    assert text.code == 0
    assert text.out.startswith("Ruleset fi for FI: base@")
    assert f"  fi 0.1.0  {fi / 'fi.yaml'}  (yours)" in text.out
    assert "  fi-thank-you-note  [fi]" in text.out and "when: stage is 'interviewed'" in text.out
    data = yaml.safe_load(run("rules", "show", "--country", "FI", "--rules", str(fi), "--format", "yaml").out)
    assert [l["name"] for l in data["layers"]] == ["base", "fi"]
    assert data["rules"][-1]["id"] == "fi-thank-you-note" and data["rules"][-1]["layer"] == "fi"
    listed = run("rules", "list", "--rules", str(fi))
    assert listed.code == 0
    assert re.search(r"^FI: base@[^ ]+\+fi@0\.1\.0 \(\d+ rules\)$", listed.out, re.M)
    assert re.search(r"^  \[fi\] +fi-thank-you-note  Thank the interviewer", listed.out, re.M)
    assert "any other country: base@" in listed.out
    countries = [r["country"] for r in json.loads(run("rules", "list", "--rules", str(fi), "--format", "json").out)["rulesets"]]
    assert "FI" in countries and countries[-1] is None


def test_show_of_a_broken_overlay_is_bad_input(run, tmp_path: Path) -> None:
    write(tmp_path, "xa.yaml", 'ruleset: xa\nversion: "1"\nextends: nowhere\ncountry: XA\n')
    result = run("rules", "show", "--country", "XA", "--rules", str(tmp_path))
    assert result.code == 2
    assert f"{tmp_path / 'xa.yaml'}:3: extends: extends 'nowhere', which no rules folder defines" in result.err


def test_new_for_a_shipped_country_extends_its_shipped_layer(run, tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    result = run("rules", "new", "--country", "DK", "--dir", str(folder))
    assert result.code == 0, result.err
    overlay = yaml.safe_load((folder / "dk-local.yaml").read_text(encoding="utf-8"))
    assert (overlay["ruleset"], overlay["extends"], overlay["country"]) == ("dk-local", "dk", "DK")
    assert run("rules", "lint", str(folder)).code == 0
    assert run("rules", "test", str(folder), "--min-coverage", "100").code == 0
    shown = run("rules", "show", "--country", "DK", "--rules", str(folder), "--format", "json").json()
    assert [l["name"] for l in shown["layers"]] == ["base", "dk", "dk-local"] and not shown["warnings"]


def test_new_without_dir_writes_a_rules_folder_beside_the_situations_not_among_them(
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "me.yaml").write_text("country: FI\nstage: applied\n", encoding="utf-8")  # not a ruleset
    monkeypatch.chdir(tmp_path)
    result = run("rules", "new", "--country", "FI")
    assert result.code == 0, result.err
    assert (tmp_path / "rules" / "fi.yaml").is_file() and (tmp_path / "rules" / "tests" / "fi.yaml").is_file()
    assert "followup rules lint rules" in result.out
    assert run("rules", "lint", "rules").code == 0
