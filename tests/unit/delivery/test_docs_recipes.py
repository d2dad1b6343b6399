"""The verification recipes in docs/webhooks.md work: they accept what Leadwerk signs and
refuse tampered, stale and wrongly keyed requests."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from leadwerk.delivery import rules
from leadwerk.delivery.worker import encode_body

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"
SECRET = "whsec_docs-recipe-secret"
NOW = 1_900_000_000
BODY = encode_body({"id": "e1", "type": "lead.created", "data": {"last_name": "Müller"}})
GOOD = rules.sign(SECRET, NOW, BODY)

# (secret, header, body, now) → expected
CASES: list[tuple[str, str, bytes, int, bool]] = [
    (SECRET, GOOD, BODY, NOW, True),
    (SECRET, GOOD, BODY, NOW + 300, True),
    (SECRET, GOOD, BODY, NOW + 301, False),
    (SECRET, GOOD, BODY, NOW - 301, False),
    (SECRET, GOOD, BODY.replace(b"M\xc3\xbcller", b"Mueller"), NOW, False),
    ("whsec_other", GOOD, BODY, NOW, False),
    (SECRET, GOOD.replace(f"t={NOW}", f"t={NOW + 1}"), BODY, NOW, False),
    (SECRET, "", BODY, NOW, False),
    (SECRET, f"t={NOW}", BODY, NOW, False),
    (SECRET, "nonsense", BODY, NOW, False),
]


def _block(language: str, marker: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    [block] = [b for b in blocks if marker in b]
    return str(block)


def test_the_python_recipe() -> None:
    namespace: dict[str, Any] = {}
    exec(_block("python", "def verify_leadwerk_signature"), namespace)  # noqa: S102 - our doc
    verify: Callable[..., bool] = namespace["verify_leadwerk_signature"]
    results = [verify(secret, header, body, now=now) for secret, header, body, now, _ in CASES]
    assert results == [expected for *_, expected in CASES]


def test_the_node_recipe(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    (tmp_path / "verify-leadwerk.js").write_text(_block("js", "function verifyLeadwerkSignature"))
    cases = [[s, h, b.hex(), n] for s, h, b, n, _ in CASES]
    (tmp_path / "check.js").write_text(
        'const { verifyLeadwerkSignature } = require("./verify-leadwerk");\n'
        f"const cases = {json.dumps(cases)};\n"
        "console.log(JSON.stringify(cases.map(([s, h, b, n]) =>"
        ' verifyLeadwerkSignature(s, h, Buffer.from(b, "hex"), n))));\n'
    )
    out = subprocess.run(
        [node, "check.js"], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=True
    )
    assert json.loads(out.stdout) == [expected for *_, expected in CASES]


def test_the_example_receivers_are_valid_code(tmp_path: Path) -> None:
    compile(_block("python", "class LeadwerkHook"), "receiver.py", "exec")
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    (tmp_path / "receiver.js").write_text(_block("js", ".createServer("))
    subprocess.run([node, "--check", "receiver.js"], cwd=tmp_path, check=True, timeout=30)
