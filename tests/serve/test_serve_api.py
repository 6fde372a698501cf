"""The JSON API against a real uvicorn: the CLI's bytes, the error shapes, limits, the token, concurrency."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from serving import running

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
YAML = {"content-type": "application/yaml"}


@pytest.fixture(scope="module")
def base() -> Any:
    with running() as address:
        yield address


def cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "followup", *args], capture_output=True, text=True, check=True)
    return done.stdout


def without_record(text: str) -> str:
    """The document with its decision id and timestamp blanked: the only fields that differ between runs."""
    text = re.sub(r'"id": ?"[0-9a-f-]{36}"', '"id": "-"', text)
    return re.sub(r'"timestamp": ?"[^"]+"', '"timestamp": "-"', text)


def post(base: str, path: str, example: Path, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{base}{path}", content=example.read_bytes(), headers={**YAML, **kwargs.pop("headers", {})},
                      timeout=30, **kwargs)


@pytest.mark.parametrize("example", EXAMPLES[:4] + EXAMPLES[-3:], ids=lambda p: p.stem)
def test_advice_is_the_clis_json_byte_for_byte(base: str, example: Path) -> None:
    answer = post(base, "/v1/advice", example)
    assert answer.status_code == 200
    assert without_record(answer.text) == without_record(cli("advise", "--format", "json", str(example)))
    document = answer.json()
    assert answer.headers["x-decision-id"] == document["decision"]["id"]
    assert answer.headers["x-ruleset-digest"] == document["decision"]["ruleset"]["digest"]


def test_json_body_gives_the_same_advice_as_yaml(base: str) -> None:
    import yaml
    example = EXAMPLES[0]
    data = yaml.safe_load(example.read_text())
    as_json = httpx.post(f"{base}/v1/advice", json=json.loads(json.dumps(data, default=str)), timeout=30)
    assert without_record(as_json.text) == without_record(post(base, "/v1/advice", example).text)


def test_trace_none_leaves_out_the_trace(base: str) -> None:
    full = post(base, "/v1/advice", EXAMPLES[0]).json()
    small = post(base, "/v1/advice", EXAMPLES[0], params={"trace": "none"}).json()
    assert "explanation" in full and "trace" in full
    assert "explanation" not in small and "trace" not in small
    assert {k: v for k, v in full.items() if k not in ("explanation", "trace", "decision")} == \
        {k: v for k, v in small.items() if k != "decision"}


def test_explain_and_why_not_are_the_clis(base: str) -> None:
    example = EXAMPLES[0]
    answer = post(base, "/v1/why-not/letter", example)
    assert without_record(answer.text) == without_record(cli("explain", "--why-not", "letter", "--format", "json",
                                                             str(example)))
    assert answer.headers["x-decision-id"] == answer.json()["decision"]["id"]
    assert without_record(post(base, "/v1/explain", example).text) == \
        without_record(cli("explain", "--format", "json", str(example)))


def test_plan_json_and_calendar_are_the_clis(base: str, tmp_path: Path) -> None:
    example = EXAMPLES[0]
    ics = tmp_path / "plan.ics"
    expected = cli("plan", "--format", "json", "--ics", str(ics), str(example))
    # The plan names where the situation came from: the CLI its file, the API the request.
    assert post(base, "/v1/plan", example).text == expected.replace(json.dumps(str(example)), '"request.yaml"')
    calendar = post(base, "/v1/plan", example, headers={"accept": "text/calendar"})
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert calendar.content == ics.read_bytes()


def test_batch_is_the_clis_line_for_line_and_streamed(base: str, tmp_path: Path) -> None:
    import yaml
    lines = [json.dumps(yaml.safe_load(p.read_text()), default=str) for p in EXAMPLES[:3]]
    body = "\n".join([lines[0], "{not json", "", lines[1], '{"country": "DK", "stage": "nope"}', lines[2]]) + "\n"
    source = tmp_path / "in.jsonl"
    source.write_text(body)
    subprocess.run([sys.executable, "-m", "followup", "batch", str(source), "-o", str(tmp_path / "out.jsonl")],
                   capture_output=True)
    expected = (tmp_path / "out.jsonl").read_text().splitlines()
    with httpx.stream("POST", f"{base}/v1/batch", content=body.encode(),
                      headers={"content-type": "application/x-ndjson"}, timeout=60) as answer:
        assert answer.status_code == 200
        got = list(answer.iter_lines())
    assert len(got) == len(expected) == 6
    # Error records name the input; the CLI's names its file, ours the request: compare the rest.
    assert [without_record(g) for g in got] == [without_record(e) for e in expected]
    assert json.loads(got[4])["error"]["messages"][0]["field"] == "stage"


def test_bad_input_is_422_with_field_line_and_message(base: str) -> None:
    answer = httpx.post(f"{base}/v1/advice", content=b"country: DK\nstage: applied\ncontact:\n  email: nope\n",
                        headers=YAML, timeout=30)
    assert answer.status_code == 422
    assert answer.json() == {"errors": [{"field": "contact.email", "line": 4, "message": answer.json()["errors"][0]
                                         ["message"]}]}
    bad_day = post(base, "/v1/advice", EXAMPLES[0], params={"today": "tomorrow"})
    assert bad_day.status_code == 422 and bad_day.json()["errors"][0]["field"] == "today"
    bad_lang = post(base, "/v1/advice", EXAMPLES[0], params={"lang": "xx"})
    assert bad_lang.status_code == 422 and bad_lang.json()["errors"][0]["field"] == "lang"
    bad_channel = post(base, "/v1/why-not/pigeon", EXAMPLES[0])
    assert bad_channel.status_code == 422 and bad_channel.json()["errors"][0]["field"] == "channel"
    not_json = httpx.post(f"{base}/v1/advice", content=b"{", headers={"content-type": "application/json"}, timeout=30)
    assert not_json.status_code == 422 and not_json.json()["errors"][0]["message"]


def test_limits_and_content_types(base: str) -> None:
    big = b"country: DK\nstage: applied\n" + b"#" * 1_000_001 + b"\n"
    assert httpx.post(f"{base}/v1/advice", content=big, headers=YAML, timeout=30).status_code == 413

    def chunks():  # no Content-Length: the limit is counted as the body arrives
        yield b"country: DK\n"
        for _ in range(20):
            yield b"#" * 100_000 + b"\n"
    assert httpx.post(f"{base}/v1/advice", content=chunks(), headers=YAML, timeout=30).status_code == 413
    for kind in ("text/plain", "application/x-www-form-urlencoded"):
        answer = httpx.post(f"{base}/v1/advice", content=b"x", headers={"content-type": kind}, timeout=30)
        assert answer.status_code == 415 and answer.json()["errors"][0]["field"] == "Content-Type"
    assert httpx.post(f"{base}/v1/batch", content=b"{}", headers=YAML, timeout=30).status_code == 415


def test_security_headers_and_no_cors(base: str) -> None:
    answer = httpx.get(f"{base}/healthz", headers={"origin": "https://elsewhere.example"}, timeout=30)
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
    assert "access-control-allow-origin" not in answer.headers
    preflight = httpx.options(f"{base}/v1/advice", headers={"origin": "https://elsewhere.example",
                                                            "access-control-request-method": "POST"}, timeout=30)
    assert "access-control-allow-origin" not in preflight.headers


def test_rulesets(base: str) -> None:
    listed = httpx.get(f"{base}/v1/rulesets", timeout=30).json()["rulesets"]
    assert {r["country"] for r in listed} >= {"DK", "SE", "NO"}
    dk = httpx.get(f"{base}/v1/rulesets/DK", timeout=30)
    assert dk.json()["digest"] == next(r["digest"] for r in listed if r["country"] == "DK")
    assert dk.json()["rules"] and dk.headers["x-ruleset-digest"] == dk.json()["digest"]
    assert httpx.get(f"{base}/v1/rulesets/ZZZ", timeout=30).status_code == 422


def test_openapi_embeds_the_schemas_and_every_reference_resolves(base: str) -> None:
    document = httpx.get(f"{base}/openapi.json", timeout=30).json()
    assert document["openapi"].startswith("3.1")
    schemas = document["components"]["schemas"]
    situation = json.loads((ROOT / "schemas/situation.schema.json").read_text())
    # The situation schema, its $defs beside it as components of their own (OpenAPI has no $defs).
    unbundled = json.loads(json.dumps(schemas["Situation"]).replace("#/components/schemas/Situation.", "#/$defs/"))
    assert unbundled == {k: v for k, v in situation.items() if k not in ("$id", "$schema", "$defs")}
    for name, definition in situation.get("$defs", {}).items():
        own = json.dumps(schemas[f"Situation.{name}"]).replace("#/components/schemas/Situation.", "#/$defs/")
        assert json.loads(own) == definition
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(document))
    assert refs
    for ref in refs:
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
    # The CLI's document validates against the embedded Advice schema, references and all.
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(document, default_specification=
                                                                              __import__("referencing").jsonschema.DRAFT202012))
    advice = json.loads(cli("advise", "--format", "json", str(EXAMPLES[0])))
    validator = Draft202012Validator({"$ref": "urn:openapi#/components/schemas/Advice"}, registry=registry)
    assert not list(validator.iter_errors(advice))
    validator.validate
    wrong = {**advice, "action": "dance"}
    assert list(validator.iter_errors(wrong))


def test_64_concurrent_requests_give_the_answers_one_by_one_gives(base: str) -> None:
    bodies = [EXAMPLES[i % len(EXAMPLES)] for i in range(64)]

    def ask(example: Path) -> str:
        return without_record(post(base, "/v1/advice", example, params={"trace": "none"}).text)

    alone = {example: ask(example) for example in set(bodies)}
    with ThreadPoolExecutor(64) as pool:
        together = list(pool.map(ask, bodies))
    assert together == [alone[example] for example in bodies]


def test_another_host_needs_a_token() -> None:
    done = subprocess.run([sys.executable, "-m", "followup", "serve", "--host", "0.0.0.0", "--port", "9"],
                          capture_output=True, text=True, env={k: v for k, v in __import__("os").environ.items()
                                                               if k != "FOLLOWUP_TOKEN"}, timeout=60)
    assert done.returncode == 2
    assert "FOLLOWUP_TOKEN" in done.stderr and "Traceback" not in done.stderr


def test_the_token_is_required_when_set() -> None:
    with running(env={"FOLLOWUP_TOKEN": "s3cret-token"}) as address:
        assert httpx.get(f"{address}/healthz", timeout=30).status_code == 200
        refused = httpx.get(f"{address}/v1/rulesets", timeout=30)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        wrong = httpx.get(f"{address}/v1/rulesets", headers={"authorization": "Bearer nope"}, timeout=30)
        assert wrong.status_code == 401
        right = httpx.get(f"{address}/v1/rulesets", headers={"authorization": "Bearer s3cret-token"}, timeout=30)
        assert right.status_code == 200


def test_the_audit_log_keeps_each_decision_and_nothing_is_kept_without_it(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    with running("--audit-log", str(log), env={"HOME": str(tmp_path)}) as address:
        answer = httpx.post(f"{address}/v1/advice", content=EXAMPLES[0].read_bytes(), headers=YAML, timeout=30)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["decision"]["id"] for e in entries if "decision" in e] == [answer.headers["x-decision-id"]]
    assert [e["digest"] for e in entries if "decision" not in e] == [entries[-1]["decision"]["ruleset"]["digest"]]


def test_a_batch_line_over_the_limit_is_an_error_record_and_the_rest_is_advised(base: str) -> None:
    good = json.dumps({"country": "DK", "stage": "applied", "today": "2026-11-21"})
    body = (good + "\n" + '{"position": "' + "x" * 1_000_100 + '"}\n' + good + "\n").encode()
    answer = httpx.post(f"{base}/v1/batch", content=body, headers={"content-type": "application/x-ndjson"},
                        params={"trace": "none"}, timeout=60)
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert len(lines) == 3 and "action" in lines[0] and "action" in lines[2]
    assert lines[1]["error"]["line"] == 2 and "limit" in lines[1]["error"]["messages"][0]["message"]


def test_several_workers_and_cors_only_for_the_origins_named() -> None:
    origin = "https://platform.example"
    with running("--workers", "2", "--cors-origin", origin) as address:
        answers = [httpx.post(f"{address}/v1/advice", content=EXAMPLES[0].read_bytes(),
                              headers={**YAML, "origin": origin}, timeout=30) for _ in range(4)]
        assert {a.status_code for a in answers} == {200}
        assert answers[0].headers["access-control-allow-origin"] == origin
        assert "x-decision-id" in answers[0].headers["access-control-expose-headers"].lower()
        other = httpx.get(f"{address}/healthz", headers={"origin": "https://elsewhere.example"}, timeout=30)
        assert "access-control-allow-origin" not in other.headers


def test_a_port_in_use_is_refused_with_a_message() -> None:
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "followup", "serve", "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--port" in done.stderr and "Traceback" not in done.stderr


def test_batch_answers_a_line_before_the_rest_of_the_body_has_arrived(base: str) -> None:
    import socket
    from urllib.parse import urlsplit
    address = urlsplit(base)
    line = json.dumps({"country": "DK", "stage": "applied", "today": "2026-11-21"}).encode() + b"\n"
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(b"POST /v1/batch?trace=none HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(line):x}\r\n".encode() + line + b"\r\n")
        received = b""
        while b'"action"' not in received:  # the first answer, while the request is still open
            chunk = sock.recv(65536)
            assert chunk, "the server closed the connection"
            received += chunk
        assert received.startswith(b"HTTP/1.1 200")
        sock.sendall(f"{len(line):x}\r\n".encode() + line + b"\r\n0\r\n\r\n")
        while not received.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    assert received.count(b'"situation_digest"') == 2  # one decision record per line
