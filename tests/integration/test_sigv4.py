"""Auth mode `sigv4`: requests must carry a valid AWS Signature Version 4 made with a configured
key. Error types and messages are DynamoDB's (dynalite index.js and connection.js record them
from live DynamoDB; "Signature expired" / "not yet current" texts are the AWS SigV4 ones).
"""

import datetime
import json

import pytest
from botocore.exceptions import ClientError

import ddbx_util as u

KEY, SECRET = "AKIDTEST", "secret"
OTHER_KEY, OTHER_SECRET = "AKIDSECOND", "another/secret+with=chars"
BAD_SIGNATURE = ("The request signature we calculated does not match the signature you "
                 "provided. Check your AWS Secret Access Key and signing method. Consult the "
                 "service documentation for details.")
UNRECOGNIZED = "The security token included in the request is invalid."


@pytest.fixture(scope="module")
def sig_server(ddbx_binary, tmp_path_factory):
    d = tmp_path_factory.mktemp("sigv4")
    config = d / "ddbx.toml"
    config.write_text(
        '[auth]\nmode = "sigv4"\n\n'
        f'[[auth.keys]]\naccess_key_id = "{KEY}"\nsecret_access_key = "{SECRET}"\n\n'
        f'[[auth.keys]]\naccess_key_id = "{OTHER_KEY}"\nsecret_access_key = "{OTHER_SECRET}"\n')
    srv = u.Server(d, config=config)
    try:
        srv.wait_ready()
    except Exception:
        srv.kill9()
        raise
    yield srv
    problem = u.stop_and_check(srv, timeout=5)
    if problem:
        pytest.fail(problem)


@pytest.fixture(scope="module")
def good(sig_server):
    return u.make_client(sig_server.endpoint, KEY, SECRET)


@pytest.fixture(scope="module")
def sig_table(good):
    name = u.unique_name("sig")
    u.create_table(good, name)
    return name


def test_right_key_works(good, sig_table):
    good.put_item(TableName=sig_table, Item={"pk": {"S": "a"}, "v": {"S": "ok"}})
    assert good.get_item(TableName=sig_table, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "ok"}
    assert sig_table in good.list_tables()["TableNames"]
    good.delete_item(TableName=sig_table, Key={"pk": {"S": "a"}})


def test_second_key_and_resource_api(sig_server, sig_table):
    client = u.make_client(sig_server.endpoint, OTHER_KEY, OTHER_SECRET)
    client.put_item(TableName=sig_table, Item={"pk": {"S": "second"}})
    table = u.make_resource(sig_server.endpoint, KEY, SECRET).Table(sig_table)
    assert table.get_item(Key={"pk": "second"})["Item"] == {"pk": "second"}


def test_wrong_secret(sig_server, sig_table):
    client = u.make_client(sig_server.endpoint, KEY, "not-the-secret")
    with pytest.raises(ClientError) as e:
        client.get_item(TableName=sig_table, Key={"pk": {"S": "a"}})
    code, message, status = u.error_of(e)
    assert (code, status) == ("InvalidSignatureException", 400)
    assert message.startswith(BAD_SIGNATURE), message


def test_unknown_key(sig_server, sig_table):
    client = u.make_client(sig_server.endpoint, "AKIDUNKNOWN", SECRET)
    with pytest.raises(ClientError) as e:
        client.list_tables()
    assert u.error_of(e) == ("UnrecognizedClientException", UNRECOGNIZED, 400)
    r = u.call(sig_server.port, "ListTables", {}, key="AKIDUNKNOWN", secret=SECRET)
    assert (r.status, r.json()) == (400, {"__type": u.T_UNRECOGNIZED, "message": UNRECOGNIZED})


def test_missing_authorization(sig_server):
    r = u.call(sig_server.port, "ListTables", {}, sign=False)
    assert r.status == 400, r
    assert r.json() == {"__type": u.T_MISSING_AUTH,
                        "message": "Request is missing Authentication Token"}


def test_authorization_not_aws4(sig_server):
    for auth in ("AWS4", "Bearer abc", "Basic Zm9vOmJhcg=="):
        r = u.call(sig_server.port, "ListTables", {}, sign=False,
                   extra_headers={"Authorization": auth})
        assert r.status == 400, r
        assert r.json() == {"__type": u.T_MISSING_AUTH,
                            "message": "Request is missing Authentication Token"}


def test_incomplete_signature(sig_server):
    r = u.call(sig_server.port, "ListTables", {}, sign=False,
               extra_headers={"Authorization": "AWS4-"})
    assert r.status == 400, r
    assert r.json() == {
        "__type": "com.amazon.coral.service#IncompleteSignatureException",
        "message": "Authorization header requires 'Credential' parameter. "
                   "Authorization header requires 'Signature' parameter. "
                   "Authorization header requires 'SignedHeaders' parameter. "
                   "Authorization header requires existence of either a 'X-Amz-Date' or a "
                   "'Date' header. Authorization=AWS4-"}


def test_tampered_body(sig_server, sig_table):
    port = sig_server.port
    body = json.dumps({"TableName": sig_table, "Key": {"pk": {"S": "a"}}}).encode()
    headers = u.request_headers(port, "GetItem", body, key=KEY, secret=SECRET)
    tampered = body.replace(b'"a"', b'"b"')
    r = u.http_request(port, "POST", "/", headers, tampered)
    assert r.status == 400, r
    assert r.json()["__type"] == u.T_INVALID_SIG
    assert r.json()["message"].startswith(BAD_SIGNATURE)


def test_tampered_signed_header(sig_server, sig_table):
    port = sig_server.port
    body = json.dumps({"TableName": sig_table}).encode()
    headers = u.request_headers(port, "DescribeTable", body, key=KEY, secret=SECRET)
    headers["X-Amz-Target"] = u.TARGET_PREFIX + "DeleteTable"
    r = u.http_request(port, "POST", "/", headers, body)
    assert r.status == 400, r
    assert r.json()["__type"] == u.T_INVALID_SIG
    # And the table is still there.
    ok = u.call(port, "DescribeTable", {"TableName": sig_table}, key=KEY, secret=SECRET)
    assert ok.status == 200


def _signed_at(sig_server, when):
    body = b"{}"
    headers = u.request_headers(sig_server.port, "ListTables", body, sign=False)
    del headers["Host"]
    headers = u.sigv4_headers(f"127.0.0.1:{sig_server.port}", body, headers, key=KEY,
                              secret=SECRET, when=when)
    return headers["X-Amz-Date"], u.http_request(sig_server.port, "POST", "/", headers, body)


def test_signature_expired(sig_server):
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, r = _signed_at(sig_server, now - datetime.timedelta(minutes=20))
    assert r.status == 400, r
    assert r.json()["__type"] == u.T_INVALID_SIG
    assert r.json()["message"].startswith(f"Signature expired: {amz_date} is now earlier than ")


def test_signature_not_yet_current(sig_server):
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, r = _signed_at(sig_server, now + datetime.timedelta(minutes=20))
    assert r.status == 400, r
    assert r.json()["__type"] == u.T_INVALID_SIG
    assert r.json()["message"].startswith(
        f"Signature not yet current: {amz_date} is still later than ")


def test_small_clock_skew_is_accepted(sig_server):
    now = datetime.datetime.now(datetime.timezone.utc)
    for skew in (-4, 4):
        _, r = _signed_at(sig_server, now + datetime.timedelta(minutes=skew))
        assert r.status == 200, r


def test_checks_before_authentication(sig_server):
    # DynamoDB answers framing problems before it looks at credentials (dynalite connection.js
    # sends these unsigned).
    port = sig_server.port
    r = u.call(port, "ListTables", b"{not json", sign=False)
    assert (r.status, r.json()) == (400, {"__type": u.T_SERIALIZATION})
    r = u.call(port, "DynamoDB_20120810.Nope", {}, sign=False)
    assert (r.status, r.json()) == (400, {"__type": u.T_UNKNOWN_OP})


def test_health_check_needs_no_signature(sig_server):
    r = u.http_request(sig_server.port, "GET", "/")
    assert r.status == 200
