"""The cache seen through the AWS SDK for JavaScript v3: tests/js/cache_sdk_test.mjs drives a
ddbx with the cache on and one with `--cache=false` through @aws-sdk/client-dynamodb and
deep-compares the SDK's parsed outputs (see that script for what it checks).

Needs `node` on the PATH and tests/js/node_modules (`cd tests/js && npm ci`, which
scripts/setup.sh does). Without them the test is skipped, not passed.
"""

import shutil
import subprocess

import pytest

import ddbx_util as u

JS_DIR = u.REPO / "tests" / "js"
SCRIPT = JS_DIR / "cache_sdk_test.mjs"
SDK = JS_DIR / "node_modules" / "@aws-sdk" / "client-dynamodb"
TIMEOUT = 300


@pytest.fixture(scope="module")
def node():
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed (scripts/setup.sh installs Debian's nodejs and npm)")
    if not SDK.is_dir():
        pytest.skip(f"{SDK.relative_to(u.REPO)} is missing: run `npm ci` in tests/js "
                    "(scripts/setup.sh does)")
    return path


def test_js_sdk_sees_the_same_answers_with_and_without_cache(node, server_factory):
    on = server_factory()
    off = server_factory(extra_args=["--cache=false"])
    cmd = [node, str(SCRIPT), on.endpoint, off.endpoint]
    try:
        proc = subprocess.run(cmd, cwd=str(JS_DIR), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{' '.join(cmd)} did not finish within {TIMEOUT}s\n"
                    f"--- stdout:\n{e.stdout or ''}\n--- stderr:\n{e.stderr or ''}\n"
                    f"{on.logs()}\n{off.logs()}")
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} exited with {proc.returncode}\n"
        f"--- stdout:\n{proc.stdout}\n--- stderr:\n{proc.stderr}")
    print(proc.stdout.strip())
