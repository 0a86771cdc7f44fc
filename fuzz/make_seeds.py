#!/usr/bin/python3
"""Writes the generated seed corpora under fuzz/corpus/.

findings_decode: the findings of every golden case in rules/lower-back-pain.cases.json, as JSON.
suggest_request: one protobuf-encoded SuggestPlanRequest per golden case and per request file in
tests/data, plus a few that exercise the request's own fields.
proto_json: the same requests as proto3 JSON text, as the Connect door reads them.
Run after changing the proto or the cases:  fuzz/make_seeds.py
Needs Debian's protoc and python3-protobuf (scripts/deps installs both).
"""
import hashlib
import json
import pathlib
import subprocess
import sys
import tempfile

root = pathlib.Path(__file__).resolve().parent.parent
corpus = root / "fuzz" / "corpus"


def replace_dir(path):
    path.mkdir(parents=True, exist_ok=True)
    for old in path.iterdir():
        old.unlink()
    return path


def write(directory, data):
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


with tempfile.TemporaryDirectory() as gen:
    subprocess.run(["protoc", f"--proto_path={root / 'proto'}", f"--python_out={gen}",
                    "modalis/v1/plan_service.proto"], check=True)
    sys.path.insert(0, gen)
    from google.protobuf import json_format
    from modalis.v1 import plan_service_pb2

    requests = []
    cases = json.loads((root / "rules" / "lower-back-pain.cases.json").read_text())
    for i, case in enumerate(cases["cases"]):
        requests.append({"patient_ref": f"P-{i:04d}", "findings": case["findings"]})
    for path in sorted((root / "tests" / "data").glob("*request*.json")):
        requests.append(json.loads(path.read_text()))
    requests += [
        {"patient_ref": "P-1", "findings": {}, "session_minutes": 15, "dry_run": True},
        {"patient_ref": "P-2", "findings": {"pain_nprs": 6}, "practitioner": {}},
        {"patient_ref": "P-3", "findings": {"pain_nprs": 6, "trigger_points": ["gluteus_medius"]},
         "practitioner": {"qualifications": ["dry_needling"]}, "request_id": "r-3"},
    ]

    findings = replace_dir(corpus / "findings_decode")
    for case in cases["cases"]:
        write(findings, json.dumps(case["findings"], indent=1).encode() + b"\n")
    out = replace_dir(corpus / "suggest_request")
    texts = replace_dir(corpus / "proto_json")
    for request in requests:
        message = json_format.ParseDict(request, plan_service_pb2.SuggestPlanRequest())
        write(out, message.SerializeToString(deterministic=True))
        write(texts, json_format.MessageToJson(message).encode())
    print(f"wrote {len(cases['cases'])} findings and {len(requests)} request seeds under fuzz/corpus")
