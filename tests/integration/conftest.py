"""Fixtures for the black-box suite: a ddbx process per test module (in-memory), a factory for
tests that need their own process (data dirs, configs, signals), boto3 clients and tables.

The binary comes from $DDBX_BIN, default <repo>/build/app/ddbx. Every server is stopped with
SIGTERM at teardown and must exit 0 within a few seconds.
"""

import pytest

import ddbx_util as u


@pytest.fixture(scope="session")
def ddbx_binary():
    path = u.ddbx_bin()
    if not path.is_file():
        pytest.fail(f"ddbx binary not found at {path}: build it or set DDBX_BIN")
    return path


@pytest.fixture(scope="module")
def server(ddbx_binary, tmp_path_factory):
    """One in-memory ddbx shared by the tests of a module (tests use unique table names)."""
    srv = u.Server(tmp_path_factory.mktemp("ddbx-logs"))
    try:
        srv.wait_ready()
    except Exception:
        srv.kill9()
        raise
    yield srv
    problem = u.stop_and_check(srv, timeout=5)
    if problem:
        pytest.fail(problem)


@pytest.fixture
def server_factory(ddbx_binary, tmp_path):
    """start(**Server kwargs) -> a ready Server of the test's own; stopped (and checked) after."""
    started = []

    def start(**kwargs):
        srv = u.Server(tmp_path / "logs", **kwargs)
        started.append(srv)
        srv.wait_ready()
        return srv

    yield start
    problems = [p for p in (u.stop_and_check(s, timeout=5) for s in started) if p]
    if problems:
        pytest.fail("\n\n".join(problems))


@pytest.fixture(scope="module")
def endpoint(server):
    return server.endpoint


@pytest.fixture(scope="module")
def port(server):
    return server.port


@pytest.fixture(scope="module")
def ddb(endpoint):
    return u.make_client(endpoint)


@pytest.fixture(scope="module")
def ddb_resource(endpoint):
    return u.make_resource(endpoint)


@pytest.fixture
def table_name():
    return u.unique_name()


@pytest.fixture
def hash_table(ddb):
    """An ACTIVE table keyed by pk (S)."""
    name = u.unique_name("hash")
    u.create_table(ddb, name)
    return name


@pytest.fixture
def range_table(ddb):
    """An ACTIVE table keyed by pk (S) and sk (S)."""
    name = u.unique_name("range")
    u.create_table(ddb, name, range_key=("sk", "S"))
    return name


@pytest.fixture
def num_range_table(ddb):
    """An ACTIVE table keyed by pk (S) and sk (N)."""
    name = u.unique_name("numrange")
    u.create_table(ddb, name, range_key=("sk", "N"))
    return name


@pytest.fixture
def bin_range_table(ddb):
    """An ACTIVE table keyed by pk (B) and sk (B)."""
    name = u.unique_name("binrange")
    u.create_table(ddb, name, hash_key=("pk", "B"), range_key=("sk", "B"))
    return name
