"""schemathesis (its CLI, the supported entry point) against the running service's own OpenAPI schema:
no generated input makes the API answer with a 500."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import API_TOKEN

pytestmark = pytest.mark.mongo


def test_no_generated_input_makes_the_api_fail_with_500(scratch_base_url: str, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(exe),
            "run",
            f"{scratch_base_url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--header",
            f"Authorization: Bearer {API_TOKEN}",
            "--max-examples",
            "5",
            # One worker: with threads, hypothesis's ast.parse hits CPython 3.11.7's AST recursion-depth race
            # (python/cpython#106905, "AST constructor recursion depth mismatch"), which failed CI twice.
            "--workers",
            "1",
            "--phases",
            "examples,coverage,fuzzing",
            "--request-timeout",
            "30",
            # No input to generate, and without Temporal (workflows are off in tests) its answer is the documented
            # 503 workflows_unavailable, which this check counts as a server error; tests/workflows runs it for real.
            "--exclude-path",
            "/api/suppliers/sync",
            "--report-dir",
            str(tmp_path),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    tail = (result.stdout + result.stderr)[-4000:]
    assert result.returncode == 0, tail
    assert "not_a_server_error" in result.stdout or "passed" in result.stdout.lower(), tail
