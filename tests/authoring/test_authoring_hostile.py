"""The rule author's commands (``rules show|new|test|lint``) given what a stranger would give them.

Each refusal is exit 2 with the file (and line) or option named; findings are exit 1; nothing
is half-written and nothing is written or read through a symbolic link out of the folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from conftest import write
from conftest import rule, write_layer

FI_TESTS = """
    cases:
      - name: {name}
        situation: {situation}
        expect: {{action: follow_up}}
    """


def new(run, folder: Path, country: str = "FI"):
    return run("rules", "new", "--country", country, "--dir", str(folder))


def tree(folder: Path) -> set[str]:
    """Every path below ``folder``, relative to it, symbolic links included."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --- rules show --country ------------------------------------------------------------------

@pytest.mark.parametrize("country", ["../x", "", "X" * 3000, "D", "DKK", "D1", "Æø", "dk/"])
def test_show_refuses_what_is_not_a_country_code(run, country: str) -> None:
    result = run("rules", "show", "--country", country)
    assert result.code == 2, result.out[:200]
    assert "--country" in result.err and "two-letter country code" in result.err
    assert result.out == "" and len(result.err) < 300


def test_show_takes_a_lower_case_country_code(run) -> None:
    upper, lower = run("rules", "show", "--country", "DK"), run("rules", "show", "--country", "dk")
    assert upper.code == lower.code == 0 and upper.out == lower.out and "for DK" in upper.out


# --- rules test ----------------------------------------------------------------------------

def test_a_case_with_an_empty_situation_is_bad_input_naming_the_case(run, tmp_path: Path) -> None:
    new(run, tmp_path)
    path = write(tmp_path / "tests", "empty.yaml", FI_TESTS.format(name="empty one", situation="{}"))
    result = run("rules", "test", str(tmp_path))
    assert result.code == 2, result.err
    assert f"{path}:2:" in result.err and "empty one" in result.err and "'country' is required" in result.err
    assert "internal error" not in result.err


def test_a_case_with_an_invalid_situation_is_bad_input_naming_the_case(run, tmp_path: Path) -> None:
    new(run, tmp_path)
    situation = "{country: FI, today: 2026-03-11, stage: applied, application: {sent_on: someday}}"
    path = write(tmp_path / "tests", "bad.yaml", FI_TESTS.format(name="bad date", situation=situation))
    result = run("rules", "test", str(tmp_path))
    assert result.code == 2
    assert f"{path}:2: situation.application.sent_on: case 'bad date':" in result.err


def test_a_failing_case_is_a_finding(run, tmp_path: Path) -> None:
    new(run, tmp_path)
    situation = "{country: FI, today: 2026-03-11, stage: considering}"
    write(tmp_path / "tests", "wrong.yaml", FI_TESTS.format(name="wrong on purpose", situation=situation))
    assert run("rules", "test", str(tmp_path)).code == 1


@pytest.mark.parametrize("value", ["nan", "NaN", "-nan", "inf", "-1", "100.5", "lots"])
def test_min_coverage_must_be_a_percentage(run, tmp_path: Path, value: str) -> None:
    new(run, tmp_path)
    result = run("rules", "test", str(tmp_path), "--min-coverage", value)
    assert result.code == 2 and "--min-coverage" in result.err and "between 0 and 100" in result.err


def test_min_coverage_takes_its_bounds(run, tmp_path: Path) -> None:
    new(run, tmp_path)
    assert run("rules", "test", str(tmp_path), "--min-coverage", "0").code == 0
    assert run("rules", "test", str(tmp_path), "--min-coverage", "100").code == 0


# --- symbolic links in a rules folder --------------------------------------------------------

SECRET = "ruleset: 'hunter2-TOPSECRET'\n"
SITUATION = str(Path(__file__).resolve().parents[2] / "examples" / "dk-applied-email.yaml")


def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [("advise", SITUATION, "--rules"), ("rules", "lint"), ("rules", "show", "--rules"),
                                     ("rules", "test")])
def test_a_link_out_of_the_rules_folder_is_refused_unread(run, tmp_path: Path, command: tuple[str, ...]) -> None:
    rules = tmp_path / "rules"
    new(run, rules)
    (rules / "stolen.yaml").symlink_to(secret_file(tmp_path))
    result = run(*command, str(rules))
    assert result.code == 2 if command[0] != "rules" or command[1] != "lint" else result.code == 1
    assert "hunter2" not in result.out + result.err and "TOPSECRET" not in result.out + result.err
    assert f"{rules / 'stolen.yaml'}: symbolic link out of the rules folder" in result.err + result.out


def test_a_dangling_link_in_the_rules_folder_is_named(run, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    new(run, rules)
    (rules / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    result = run("advise", SITUATION, "--rules", str(rules))
    assert result.code == 2 and f"{rules / 'gone.yaml'}: symbolic link" in result.err


def test_a_link_to_a_file_inside_the_rules_folder_is_read(run, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    versions = rules / "versions"
    write_layer(versions, [rule("linked", {"fact": "stage", "equals": "applied"}, {"say": ["linked words"]})],
                name="mine", extends="dk", country="DK")
    (rules / "mine.yaml").symlink_to(Path("versions") / "mine.yaml")
    result = run("advise", SITUATION, "--rules", str(rules), "--format", "json", "--trace", "none")
    assert result.code == 0, result.err
    assert "linked words" in [point["text"] for point in result.json()["say"]]  # the linked layer was read


def test_a_rule_test_file_linked_out_of_the_folder_is_refused_unread(run, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    new(run, rules)
    (rules / "tests" / "stolen.yaml").symlink_to(secret_file(tmp_path))
    result = run("rules", "test", str(rules))
    assert result.code == 2 and "TOPSECRET" not in result.out + result.err
    assert f"{rules / 'tests' / 'stolen.yaml'}: symbolic link out of the rules folder" in result.err


def test_a_catalogue_linked_out_of_the_folder_is_refused_unread(run, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    new(run, rules)
    (rules / "catalogue.md").symlink_to(secret_file(tmp_path))
    result = run("rules", "coverage", "--rules", str(rules))
    assert result.code == 2 and "TOPSECRET" not in result.out + result.err
    assert f"{rules / 'catalogue.md'}: symbolic link out of the rules folder" in result.err


def test_a_long_value_is_quoted_short(run, tmp_path: Path) -> None:
    huge = "applied" + "x" * 900_000
    write_layer(tmp_path, [rule("long", {"fact": "stage", "equals": huge})], name="mine", extends="dk", country="DK")
    lint = run("rules", "lint", str(tmp_path))
    advise = run("advise", SITUATION, "--rules", str(tmp_path))
    assert lint.code == 1 and "appliedxxx" in lint.out and len(lint.out) < 2_000
    assert advise.code == 0 and len(advise.err) < 2_000


# --- rules new -----------------------------------------------------------------------------

def test_new_under_a_file_is_bad_input(run, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    result = new(run, tmp_path / "a-file" / "rules")
    assert result.code == 2 and "internal error" not in result.err
    assert str(tmp_path / "a-file") in result.err
    assert tree(tmp_path) == {"a-file"}


def test_new_leaves_nothing_half_written_when_the_tests_cannot_be_written(run, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "tests").write_text("not a folder", encoding="utf-8")
    result = new(run, rules)
    assert result.code == 2 and f"{rules / 'tests'}" in result.err and "internal error" not in result.err
    assert tree(rules) == {"tests"} and (rules / "tests").read_text(encoding="utf-8") == "not a folder"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
def test_new_into_an_unwritable_folder_is_bad_input(run, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    rules.chmod(0o500)
    try:
        result = new(run, rules)
    finally:
        rules.chmod(0o700)
    assert result.code == 2 and "internal error" not in result.err
    assert tree(rules) == set()


def test_new_leaves_nothing_when_the_second_file_cannot_be_written(run, tmp_path: Path, monkeypatch) -> None:
    """As root, a read-only folder is writable: the failure is made where the file is written."""
    real = tempfile.mkstemp

    def refuse_in_tests(*args, **kwargs):
        if Path(kwargs.get("dir", "")).name == "tests":
            raise PermissionError(13, "Permission denied", str(kwargs["dir"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse_in_tests)
    rules = tmp_path / "rules"
    result = new(run, rules)
    assert result.code == 2 and "Permission denied" in result.err and f"{rules / 'tests'}" in result.err
    assert not rules.exists()


@pytest.mark.parametrize("target", ["fi.yaml", "tests/fi.yaml"])
def test_new_never_writes_through_a_dangling_link(run, tmp_path: Path, target: str) -> None:
    rules = tmp_path / "rules"
    (rules / "tests").mkdir(parents=True)
    outside = tmp_path / "outside.yaml"
    (rules / target).symlink_to(outside)
    result = new(run, rules)
    assert result.code == 2 and f"{rules / target}: " in result.err  # named: a link out, or already there
    assert not outside.exists() and tree(rules) == {"tests", target}


def test_new_never_writes_through_a_linked_tests_folder(run, tmp_path: Path) -> None:
    rules, elsewhere = tmp_path / "rules", tmp_path / "elsewhere"
    rules.mkdir()
    elsewhere.mkdir()
    (rules / "tests").symlink_to(elsewhere)
    result = new(run, rules)
    assert result.code == 2 and f"{rules / 'tests'}" in result.err
    assert tree(elsewhere) == set() and tree(rules) == {"tests"}


def test_new_writes_both_files_with_the_usual_mode(run, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    assert new(run, rules).code == 0
    assert tree(rules) == {"fi.yaml", "tests", "tests/fi.yaml"}
    umask = os.umask(0)
    os.umask(umask)
    assert {(rules / p).stat().st_mode & 0o777 for p in ("fi.yaml", "tests/fi.yaml")} == {0o666 & ~umask}
