"""Wire details over raw HTTP: the headers every SDK relies on, the health check, keep-alive,
pipelining, requests split across packets, and a server that shrugs off bad input.

Header facts: every DynamoDB response carries x-amzn-RequestId (52 characters, [0-9A-Z]), Date
and x-amz-crc32 (CRC-32 of the exact body bytes; botocore checks it); the JSON content type
echoes application/json for application/json requests (dynalite listTables.js, connection.js).
"""

import concurrent.futures
import email.utils
import json
import re
import socket
import struct
import threading
import time
import zlib

import pytest

import ddbx_util as u

REQUEST_ID_RE = re.compile(r"^[0-9A-Z]{52}$")
HEALTH_BODY = b"healthy: dynamodb.us-east-1.amazonaws.com "  # trailing space included


def _check_common_headers(r, content_type=u.JSON_CT):
    h = r.headers
    assert h.get("content-type") == content_type, r
    assert REQUEST_ID_RE.match(h.get("x-amzn-requestid", "")), r
    assert h.get("x-amz-crc32") == str(zlib.crc32(r.body)), r
    assert h.get("content-length") == str(len(r.body)), r
    date = email.utils.parsedate_to_datetime(h["date"])
    assert h["date"].endswith(" GMT"), h["date"]
    assert abs(date.timestamp() - time.time()) < 120


def test_success_headers(port, hash_table):
    _check_common_headers(u.call(port, "ListTables", {"Limit": 5}))
    _check_common_headers(u.call(port, "DescribeTable", {"TableName": hash_table}))
    _check_common_headers(u.call(port, "PutItem", {"TableName": hash_table,
                                                   "Item": {"pk": {"S": "h"}}}))
    _check_common_headers(u.call(port, "GetItem", {"TableName": hash_table,
                                                   "Key": {"pk": {"S": "h"}}}))
    _check_common_headers(u.call(port, "DeleteItem", {"TableName": hash_table,
                                                      "Key": {"pk": {"S": "h"}}}))


@pytest.mark.parametrize("op, body", [
    ("DescribeTable", {"TableName": "no-such-table-here"}),      # ResourceNotFound
    ("DescribeTable", {"TableName": "a;"}),                      # Validation
    ("ListTables", b"{not json"),                               # Serialization
    ("DynamoDB_20120810.Nope", {}),                              # UnknownOperation
])
def test_error_headers(port, op, body):
    r = u.call(port, op, body)
    assert r.status == 400
    _check_common_headers(r)
    assert r.json()["__type"].startswith("com.amazon")


def test_request_ids_are_unique(port):
    ids = {u.call(port, "ListTables", {}).headers["x-amzn-requestid"] for _ in range(20)}
    assert len(ids) == 20


def test_application_json_is_echoed(port):
    r = u.call(port, "ListTables", {}, content_type="application/json")
    assert r.status == 200
    _check_common_headers(r, content_type="application/json")


def test_crc32_of_large_and_unicode_bodies(port, hash_table):
    item = {"pk": {"S": "crc"}, "big": {"S": "é😀" * 50000}, "b": {"B": u.b64(bytes(range(256)))}}
    assert u.call(port, "PutItem", {"TableName": hash_table, "Item": item}).status == 200
    r = u.call(port, "GetItem", {"TableName": hash_table, "Key": {"pk": {"S": "crc"}}})
    assert r.status == 200
    _check_common_headers(r)
    assert r.json()["Item"] == item


def test_health_check(port):
    r = u.http_request(port, "GET", "/")
    assert r.status == 200
    # Exact text of DynamoDB's endpoint, trailing space included (dynalite connection.js).
    assert r.body == HEALTH_BODY
    assert r.headers.get("x-amz-crc32") == str(zlib.crc32(r.body))
    assert REQUEST_ID_RE.match(r.headers.get("x-amzn-requestid", ""))
    assert r.headers.get("content-length") == str(len(r.body))


def test_keep_alive(port, hash_table):
    s = u.connect(port)
    try:
        reader = u.HttpReader(s)
        for i in range(20):
            item = {"pk": {"S": f"ka{i}"}, "i": {"N": str(i)}}
            s.sendall(u.raw_request_bytes(port, "PutItem", {"TableName": hash_table,
                                                             "Item": item}))
            r = reader.read_response()
            assert (r.status, r.json()) == (200, {})
            assert r.headers.get("connection", "").lower() != "close"
            s.sendall(u.raw_request_bytes(port, "GetItem", {"TableName": hash_table,
                                                             "Key": {"pk": {"S": f"ka{i}"}}}))
            r = reader.read_response()
            assert (r.status, r.json()) == (200, {"Item": item})
        # Errors keep the connection open too.
        s.sendall(u.raw_request_bytes(port, "DescribeTable", {"TableName": "nope-nope"}))
        assert reader.read_response().status == 400
        s.sendall(u.raw_request_bytes(port, "ListTables", b"garbage json"))
        assert reader.read_response().status == 400
        s.sendall(u.raw_request_bytes(port, "ListTables", {"Limit": 1}))
        assert reader.read_response().status == 200
    finally:
        s.close()


def test_pipelined_requests_answer_in_order(port, ddb, hash_table):
    other = u.unique_name("other")
    u.create_table(ddb, other)
    requests = [
        ("DescribeTable", {"TableName": hash_table}),
        ("GetItem", {"TableName": "missing-table-xyz", "Key": {"pk": {"S": "a"}}}),
        ("ListTables", {"Limit": 1}),
        ("PutItem", {"TableName": hash_table, "Item": {"pk": {"S": "pipe"}}}),
        ("DescribeTable", {"TableName": other}),
        ("ListTables", b"{oops"),
        ("DescribeTable", {"TableName": hash_table}),
    ]
    s = u.connect(port)
    try:
        s.sendall(b"".join(u.raw_request_bytes(port, op, body) for op, body in requests))
        reader = u.HttpReader(s)
        responses = [reader.read_response() for _ in requests]
    finally:
        s.close()
    assert responses[0].json()["Table"]["TableName"] == hash_table
    assert responses[1].status == 400 and responses[1].json()["__type"] == u.T_NOT_FOUND
    assert responses[2].status == 200 and len(responses[2].json()["TableNames"]) == 1
    assert (responses[3].status, responses[3].json()) == (200, {})
    assert responses[4].json()["Table"]["TableName"] == other
    assert responses[5].json() == {"__type": u.T_SERIALIZATION}
    assert responses[6].json()["Table"]["TableName"] == hash_table
    for r in responses:
        _check_common_headers(r)


def test_many_pipelined_reads_keep_order(port, ddb, hash_table):
    n = 200
    for i in range(n):
        ddb.put_item(TableName=hash_table, Item={"pk": {"S": f"p{i}"}, "i": {"N": str(i)}})
    s = u.connect(port, timeout=30)
    try:
        payload = b"".join(u.raw_request_bytes(port, "GetItem", {"TableName": hash_table,
                                                                 "Key": {"pk": {"S": f"p{i}"}}})
                           for i in range(n))
        sender = threading.Thread(target=s.sendall, args=(payload,))
        sender.start()
        reader = u.HttpReader(s)
        got = [reader.read_response() for _ in range(n)]
        sender.join()
    finally:
        s.close()
    assert [r.json()["Item"]["i"]["N"] for r in got] == [str(i) for i in range(n)]


def _send_in_pieces(s, raw):
    """Byte by byte through the header block, then uneven chunks of the body."""
    head_end = raw.index(b"\r\n\r\n") + 4
    for i in range(head_end):
        s.sendall(raw[i:i + 1])
        if i % 50 == 0:
            time.sleep(0.001)
    pos, sizes, k = head_end, [1, 7, 500, 3, 2000, 13], 0
    while pos < len(raw):
        size = sizes[k % len(sizes)]
        s.sendall(raw[pos:pos + size])
        pos += size
        k += 1
        time.sleep(0.001)


def test_request_split_across_packets(port, hash_table):
    item = {"pk": {"S": "split"}, "v": {"S": "x" * 3000}}
    s = u.connect(port)
    try:
        reader = u.HttpReader(s)
        _send_in_pieces(s, u.raw_request_bytes(port, "PutItem", {"TableName": hash_table,
                                                                 "Item": item}))
        r1 = reader.read_response()
        _send_in_pieces(s, u.raw_request_bytes(port, "GetItem", {"TableName": hash_table,
                                                                 "Key": {"pk": {"S": "split"}}}))
        r2 = reader.read_response()
    finally:
        s.close()
    assert (r1.status, r1.json()) == (200, {})
    assert (r2.status, r2.json()) == (200, {"Item": item})


def test_pipelined_write_then_read_sees_the_write(server_factory):
    """POST is not a safe method, so pipelined requests run one after the other (RFC 9112
    section 9.3.2 allows parallel processing only for safe methods): a read pipelined behind a
    write on the same connection sees that write, and a delete behind a put deletes it."""
    for rnd in range(5):
        srv = server_factory()  # a fresh server each round: reordering shows most when cold
        port, hash_table = srv.port, "pipe"
        u.create_table(u.make_client(srv.endpoint), hash_table)
        raw, expected = b"", []
        for i in range(20):
            key = {"pk": {"S": f"seq{rnd}-{i}"}}
            # A big item makes the write slower than the read queued behind it.
            item = dict(key, v={"N": str(i)}, pad={"S": "p" * 300000})
            raw += u.raw_request_bytes(port, "PutItem", {"TableName": hash_table, "Item": item})
            raw += u.raw_request_bytes(port, "GetItem", {"TableName": hash_table, "Key": key})
            raw += u.raw_request_bytes(port, "DeleteItem", {"TableName": hash_table, "Key": key,
                                                            "ReturnValues": "ALL_OLD"})
            raw += u.raw_request_bytes(port, "GetItem", {"TableName": hash_table, "Key": key})
            expected += [{}, {"Item": item}, {"Attributes": item}, {}]
        s = u.connect(port)
        try:
            s.sendall(raw)
            reader = u.HttpReader(s)
            got = [reader.read_response().json() for _ in expected]
        finally:
            s.close()
        ops = ["PutItem", "GetItem", "DeleteItem(ALL_OLD)", "GetItem"]
        wrong = [f"request {n} ({ops[n % 4]} of key seq{rnd}-{n // 4}) answered "
                 f"{sorted(g) or '{}'} instead of {sorted(e) or '{}'}"
                 for n, (g, e) in enumerate(zip(got, expected)) if g != e]
        assert not wrong, f"round {rnd}: {len(wrong)} of {len(expected)} answers differ: " \
                          + "; ".join(wrong[:4])


def test_chunked_request_body(port):
    body = json.dumps({"Limit": 2}).encode()
    headers = u.request_headers(port, "ListTables", body)
    head = "POST / HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += "Transfer-Encoding: chunked\r\n\r\n"
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 4]), body[i:i + 4])
                      for i in range(0, len(body), 4))
    s = u.connect(port)
    try:
        s.sendall(head.encode() + chunks + b"0\r\n\r\n")
        r = u.HttpReader(s).read_response()
    finally:
        s.close()
    assert r.status == 200, r
    assert "TableNames" in r.json()


def test_header_names_are_case_insensitive(port):
    body = b"{}"
    headers = u.request_headers(port, "ListTables", body)
    head = "POST / HTTP/1.1\r\n"
    for k, v in headers.items():
        name = k.upper() if k.lower() in ("content-type", "x-amz-target") else k.lower()
        head += f"{name}: {v}\r\n"
    head += f"content-length: {len(body)}\r\n\r\n"
    s = u.connect(port)
    try:
        s.sendall(head.encode() + body)
        r = u.HttpReader(s).read_response()
    finally:
        s.close()
    assert r.status == 200, r
    assert "TableNames" in r.json()


def test_connection_close_is_honoured(port):
    s = u.connect(port)
    try:
        raw = u.raw_request_bytes(port, "ListTables", {})
        raw = raw.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
        s.sendall(raw)
        reader = u.HttpReader(s)
        assert reader.read_response().status == 200
        s.settimeout(5)
        assert s.recv(1) == b""  # the server closed its side
    finally:
        s.close()


def _assert_serving(port):
    r = u.call(port, "ListTables", {"Limit": 1}, timeout=10)
    assert r.status == 200, r


@pytest.mark.parametrize("garbage", [
    b"\x00\xff\xfe garbage \r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(200),  # a TLS ClientHello
    b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n0123456789",
    b"POST / HTTP/1.1\r\nBad Header Line\r\n\r\n",
    b"POST / HTTP/1.1\r\nX: " + b"a" * 200000 + b"\r\n\r\n",
], ids=["binary", "tls", "negative-length", "two-lengths", "bad-header", "huge-header"])
def test_garbage_on_one_connection_does_not_disturb_others(port, garbage):
    good = u.connect(port)
    bad = u.connect(port)
    try:
        good_reader = u.HttpReader(good)
        good.sendall(u.raw_request_bytes(port, "ListTables", {"Limit": 1}))
        assert good_reader.read_response().status == 200
        try:
            bad.sendall(garbage)
        except OSError:
            pass  # the server may close before reading it all
        # The bad connection ends: an error response and/or a close, within a few seconds.
        bad.settimeout(5)
        received = b""
        try:
            while True:
                chunk = bad.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            pass
        except TimeoutError:
            pytest.fail(f"server neither answered nor closed after {garbage[:40]!r}; "
                        f"got {received[:200]!r}")
        if received:
            assert received.startswith(b"HTTP/1.1 4"), received[:200]
        # The good connection still works, and so do new ones.
        good.sendall(u.raw_request_bytes(port, "ListTables", {"Limit": 1}))
        assert good_reader.read_response().status == 200
        _assert_serving(port)
    finally:
        good.close()
        bad.close()


def test_abandoned_and_idle_connections(port):
    idle = [u.connect(port) for _ in range(50)]
    half = []
    try:
        for _ in range(10):
            s = u.connect(port)
            raw = u.raw_request_bytes(port, "ListTables", {"Limit": 1})
            s.sendall(raw[: len(raw) - 3])  # never finished
            half.append(s)
        for _ in range(5):
            s = u.connect(port)
            s.sendall(u.raw_request_bytes(port, "ListTables", {})[:20])
            s.close()  # gone mid-request
        s = u.connect(port)
        s.sendall(u.raw_request_bytes(port, "ListTables", {}))
        s.close()  # gone before reading the answer
        for _ in range(5):
            _assert_serving(port)
    finally:
        for s in idle + half:
            s.close()
    _assert_serving(port)


def test_concurrent_clients(endpoint, ddb, hash_table):
    def worker(w):
        client = u.make_client(endpoint)
        for i in range(25):
            key = {"pk": {"S": f"w{w}-{i}"}}
            client.put_item(TableName=hash_table, Item=dict(key, w={"N": str(w)}, i={"N": str(i)}))
            got = client.get_item(TableName=hash_table, Key=key)["Item"]
            assert got == dict(key, w={"N": str(w)}, i={"N": str(i)})
        return w

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(worker, range(8))) == list(range(8))
    for w in range(8):
        assert ddb.get_item(TableName=hash_table,
                            Key={"pk": {"S": f"w{w}-24"}})["Item"]["i"] == {"N": "24"}


def test_server_survives_connection_reset_mid_response(port, ddb, hash_table):
    big = {"pk": {"S": "big"}, "v": {"S": "z" * 380000}}
    ddb.put_item(TableName=hash_table, Item=big)
    for _ in range(5):
        s = u.connect(port)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.sendall(u.raw_request_bytes(port, "GetItem", {"TableName": hash_table,
                                                        "Key": {"pk": {"S": "big"}}}))
        s.recv(100)
        s.close()  # RST with most of the response unread
    assert ddb.get_item(TableName=hash_table, Key={"pk": {"S": "big"}})["Item"] == big
