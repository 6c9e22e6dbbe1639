"""The accelerator: the item cache (GetItem, BatchGetItem) and the query cache (Query, Scan) in
front of the store, seen only through the wire and /metrics.

The main rule is that a cache is invisible: every read answered by a server with the cache on
is byte-for-byte the answer of a server with `--cache=false` that saw the same writes, whether
it came from memory (a hit) or from the store (a miss). The one allowed difference is
ConsumedCapacity, which reports 0 units on a hit (DAX's behaviour), in the same shape.

Other rules checked: canonical query keys (member order, whitespace and placeholder names do
not matter), write-through (every write is visible at once to eventually consistent reads),
coherent and dax query modes, the metrics (DAX's CloudWatch names, Prometheus text), TTLs,
per-table overrides in the TOML file, the byte limit, and the refusal of bad settings.

Every read and write is sent as raw HTTP (http.client through ddbx_util.call), so the bytes
compared are the bytes a client receives. (Auth mode `none` still wants an Authorization header,
any well-formed one, so the requests carry a signature made with a dummy key.)
"""

import json
import os
import subprocess
import threading
import time
import zlib

import pytest

import ddbx_util as u

CACHE_COUNTERS = ("ItemCacheHits", "ItemCacheMisses", "QueryCacheHits", "QueryCacheMisses",
                  "ScanCacheHits", "ScanCacheMisses")


def S(x):
    return {"S": x}


def N(x):
    return {"N": str(x)}


def B(data):
    return {"B": u.b64(data)}


# ---- Helpers --------------------------------------------------------------------------------


def call(srv, op, payload):
    return u.call(srv.port, op, payload)


def ok(srv, op, payload):
    r = call(srv, op, payload)
    assert r.status == 200, f"{op} {payload}\n-> {r}"
    return r


def metrics(srv):
    """GET /metrics as {series (with labels): value}."""
    r = u.http_request(srv.port, "GET", "/metrics")
    assert r.status == 200, r
    out = {}
    for line in r.body.decode("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        out[name] = float(value)
    return out


def moved(before, after, names=CACHE_COUNTERS):
    """The counters among `names` that changed, with their change."""
    return {n: after.get(n, 0) - before.get(n, 0) for n in names
            if after.get(n, 0) != before.get(n, 0)}


VARYING_HEADERS = ("date", "x-amzn-requestid")


def same(what, op, payload, expected, got):
    """`got` (cache on) is `expected` (cache off): status, body bytes and headers (but the date
    and the request id), and its x-amz-crc32 is the body's (SDKs check it)."""
    shown = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    assert (got.status, got.body) == (expected.status, expected.body), (
        f"{what}: {op} {shown}\n"
        f"  cache off: {expected.status} {expected.body!r}\n"
        f"  cache on:  {got.status} {got.body!r}")
    hdrs = [{k: v for k, v in r.headers.items() if k not in VARYING_HEADERS}
            for r in (expected, got)]
    assert hdrs[1] == hdrs[0], f"{what}: {op} {shown}: headers differ: {hdrs}"
    assert got.headers.get("x-amz-crc32") == str(zlib.crc32(got.body)), (what, got)


def cache_pair(server_factory, **on_kwargs):
    """(a server with --cache=false, a server with the default cache)."""
    return server_factory(extra_args=["--cache=false"]), server_factory(**on_kwargs)


def restart(server_factory, srv, data_dir):
    """Stops `srv` (which must run on `data_dir`) and starts it again: same data, cold cache."""
    assert srv.stop() == 0, srv.logs()
    return server_factory(data_dir=data_dir)


def create(srvs, payload):
    for srv in srvs:
        ok(srv, "CreateTable", payload)
        u.wait_active(u.make_client(srv.endpoint), payload["TableName"])


def hash_table_req(name, key_type="S"):
    return {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": key_type}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}


def range_table_req(name, sk_type="N", gsi=False):
    req = {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
           "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                    {"AttributeName": "sk", "AttributeType": sk_type}],
           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                         {"AttributeName": "sk", "KeyType": "RANGE"}]}
    if gsi:
        req["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "S"})
        req["GlobalSecondaryIndexes"] = [{
            "IndexName": "gsi", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}]}]
    return req


def pages(srv, op, payload, max_pages=50):
    """Follows LastEvaluatedKey to the end: [(request, response)] for every page."""
    out = []
    for _ in range(max_pages):
        r = ok(srv, op, payload)
        out.append((payload, r))
        lek = r.json().get("LastEvaluatedKey")
        if lek is None:
            return out
        payload = dict(payload, ExclusiveStartKey=lek)
    raise AssertionError(f"{op} {payload}: more than {max_pages} pages")


def keys_in(op, payload):
    """How many keys an item-cache read asks for."""
    if op == "GetItem":
        return 1
    return sum(len(t["Keys"]) for t in payload["RequestItems"].values())


# ---- A data set of every shape --------------------------------------------------------------

BIN_A = b"\x00\x01\xfebin"


def dataset(prefix):
    """Table names, their CreateTable requests and the writes that fill them."""
    h, r, b = u.unique_name(f"{prefix}h"), u.unique_name(f"{prefix}r"), u.unique_name(f"{prefix}b")
    tables = [
        hash_table_req(h),
        {"TableName": r, "BillingMode": "PAY_PER_REQUEST",
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "lsk", "AttributeType": "S"},
                                  {"AttributeName": "g", "AttributeType": "S"},
                                  {"AttributeName": "gs", "AttributeType": "N"}],
         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
         "LocalSecondaryIndexes": [{
             "IndexName": "lsi", "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                           {"AttributeName": "lsk", "KeyType": "RANGE"}]}],
         "GlobalSecondaryIndexes": [{
             "IndexName": "gsi",
             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["n", "m"]},
             "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                           {"AttributeName": "gs", "KeyType": "RANGE"}]}]},
        hash_table_req(b, key_type="B"),
    ]
    writes = []
    h_items = [
        {"pk": S("h0"), "n": N("1.50"), "s": S("h\u00e9llo \u2603 \"q\" \\ /"), "b": B(BIN_A),
         "ss": {"SS": ["b", "a", "c"]}, "ns": {"NS": ["2.50", "-3", "1e3", "0.0010"]},
         "bs": {"BS": [u.b64(b"\x02"), u.b64(b"\x01\x00")]},
         "m": {"M": {"a": N("0.10"), "nest": {"M": {"deep": S("d"),
                                                     "l": {"L": [N("1"), S("x")]}}}}},
         "l": {"L": [S("zero"), N("-0.0010"), {"M": {"k": {"BOOL": False}}},
                     {"L": [{"NULL": True}, B(b"\xff")]}]},
         "t": {"BOOL": True}, "z": {"NULL": True}, "e": {"L": []}, "em": {"M": {}}},
        {"pk": S("h1"), "n": N("12345678901234567890123456789012345678"),
         "small": N("1E-130"), "big": N("9.9999999999999999999999999999999999999E+125"),
         "neg": N("-0.000"), "s": S("one")},
        {"pk": S("h2"), "n": N("2"), "s": S("two"), "m": {"M": {"a": N(2)}}},
        {"pk": S("h3"), "n": N("3.0"), "l": {"L": [N(3), N(30)]}},
        {"pk": S("h4"), "only": S("pk and this")},
        {"pk": S("h5"), "n": N("-5.25"), "ss": {"SS": ["z"]}},
    ]
    for item in h_items:
        writes.append(("PutItem", {"TableName": h, "Item": item}))
    for k, sk in enumerate(["-1", "0.50", "1", "2", "3", "4", "5", "6", "7"]):
        item = {"pk": S("p1"), "sk": N(sk), "lsk": S(f"{'ab'[k % 2]}{k}"), "n": N(f"{k}.50"),
                "m": {"M": {"a": N(k), "tag": S(f"t{k % 3}")}},
                "l": {"L": [N(k), S("x" * (k + 1))]}, "extra": S(f"e{k}")}
        if k % 3:
            item["g"], item["gs"] = S(f"g{k % 2}"), N(str(10 - k))
        writes.append(("PutItem", {"TableName": r, "Item": item}))
    for k in range(1, 6):
        writes.append(("PutItem", {"TableName": r, "Item": {
            "pk": S("p2"), "sk": N(k), "lsk": S(f"c{k}"), "g": S("g1"), "gs": N(k * 3),
            "n": N(k * 100), "ns": {"NS": [str(k), "0.5"]}}}))
    for key in (b"\x00", b"\xff\xfe", b"abc"):
        writes.append(("PutItem", {"TableName": b, "Item": {"pk": B(key), "v": S(key.hex())}}))
    writes += [
        ("UpdateItem", {"TableName": h, "Key": {"pk": S("h1")},
                        "UpdateExpression": "SET added = :v, m2 = :m ADD cnt :one",
                        "ExpressionAttributeValues": {":v": S("new"), ":one": N(1),
                                                      ":m": {"M": {"x": {"SS": ["q"]}}}}}),
        ("DeleteItem", {"TableName": r, "Key": {"pk": S("p2"), "sk": N(5)}}),
        ("BatchWriteItem", {"RequestItems": {
            r: [{"PutRequest": {"Item": {"pk": S("p3"), "sk": N(k), "lsk": S(f"d{k}"),
                                         "g": S("g0"), "gs": N(50 + k)}}} for k in range(4)]
               + [{"DeleteRequest": {"Key": {"pk": S("p2"), "sk": N(4)}}}],
            h: [{"PutRequest": {"Item": {"pk": S("h6"), "v": {"BS": [u.b64(b"x")]}}}}]}}),
        # Attribute names that look like paths, and a large item.
        ("PutItem", {"TableName": h, "Item": {
            "pk": S("h7"), "a.b": S("dotted"), "a": {"M": {"b": S("nested"), "c": N(1)}},
            "[0]": S("brackets"), "\u00f1 \u2603": S("unicode name"), "#x": N(7)}}),
        ("PutItem", {"TableName": h, "Item": {"pk": S("h8"), "big": S("x" * 300_000),
                                              "tail": N("8.80")}}),
        # Updates that reshape items (what the cache stores is the store's new image).
        ("UpdateItem", {"TableName": h, "Key": {"pk": S("h0")},
                        "UpdateExpression": "ADD ns :ns2 DELETE ss :ssd "
                                            "SET m.nest.deep = :d, m.zz = :d, aa = :a",
                        "ExpressionAttributeValues": {":ns2": {"NS": ["7.70", "-3"]},
                                                      ":ssd": {"SS": ["a"]}, ":d": S("D"),
                                                      ":a": {"L": [N("0.0"), {"M": {}}]}}}),
        ("UpdateItem", {"TableName": h, "Key": {"pk": S("h3")},
                        "UpdateExpression": "SET l = list_append(:pre, l), zz = :z REMOVE n",
                        "ExpressionAttributeValues": {":pre": {"L": [S("first")]},
                                                      ":z": N("1E2")}}),
        ("TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": h, "Item": {
                "zeta": N("00.100"), "pk": S("h9"), "alpha": {"SS": ["y", "x"]},
                "mid": {"M": {"z": N(1), "a": {"NS": ["10", "9", "1.0"]}}}}}},
            {"Update": {"TableName": h, "Key": {"pk": S("h2")},
                        "UpdateExpression": "SET m.newkey = :v, zz = :v, aa = :v REMOVE s",
                        "ExpressionAttributeValues": {":v": N("-12.3400")}}},
            {"ConditionCheck": {"TableName": h, "Key": {"pk": S("h1")},
                                "ConditionExpression": "attribute_exists(added)"}}]}),
    ]
    # A partition bigger than one 1 MB page.
    for k in range(24):
        writes.append(("PutItem", {"TableName": r, "Item": {
            "pk": S("big"), "sk": N(k), "lsk": S(f"z{k:02d}"), "fat": S(chr(97 + k) * 50_000),
            "n": N(k)}}))
    return {"h": h, "r": r, "b": b, "tables": tables, "writes": writes}


def populate(srvs, ds):
    for t in ds["tables"]:
        create(srvs, t)
    for op, payload in ds["writes"]:
        answers = [ok(srv, op, payload) for srv in srvs]
        for a in answers[1:]:
            same("write", op, payload, answers[0], a)


@pytest.fixture
def cold_pair(server_factory, tmp_path):
    """(cache-off server, cache-on server with a cold cache, data set): both hold the data set;
    the cache-on server was restarted after the writes, so nothing is cached yet."""
    ds = dataset("eq")
    off = server_factory(extra_args=["--cache=false"])
    on = server_factory(data_dir=tmp_path / "on-data")
    populate([off, on], ds)
    on = restart(server_factory, on, tmp_path / "on-data")
    return off, on, ds


def item_reads(ds):
    h, r, b = ds["h"], ds["r"], ds["b"]
    reads = []
    for k in ("h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9"):
        reads.append(("GetItem", {"TableName": h, "Key": {"pk": S(k)}}))
    reads += [
        ("GetItem", {"TableName": h, "Key": {"pk": S("nope")}}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h0")},
                     "ProjectionExpression": "m.nest.deep, l[1], l[3][0], #s, ss, m.a, nothere",
                     "ExpressionAttributeNames": {"#s": "s"}}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h0")},
                     "ProjectionExpression": "l[2].k, m.nest.l[1], b, l[3][1], l[9], pk"}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h0")},
                     "ProjectionExpression": "#m.#i, em, e", "ExpressionAttributeNames": {
                         "#m": "m", "#i": "nest"}}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h0")},
                     "AttributesToGet": ["n", "bs", "nonexistent", "z"]}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h1")}, "AttributesToGet": ["small", "big"]}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h7")}, "ProjectionExpression": "#ab, a.b",
                     "ExpressionAttributeNames": {"#ab": "a.b"}}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h7")}, "ProjectionExpression": "#ab",
                     "ExpressionAttributeNames": {"#ab": "a.b"}}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h7")}, "ProjectionExpression": "a.b"}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h7")},
                     "AttributesToGet": ["a.b", "[0]", "#x", "\u00f1 \u2603"]}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h7")}, "ProjectionExpression": "#u, #b, #h",
                     "ExpressionAttributeNames": {"#u": "\u00f1 \u2603", "#b": "[0]",
                                                  "#h": "#x"}}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h8")}, "ProjectionExpression": "tail"}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h0")}, "ConsistentRead": False,
                     "ReturnConsumedCapacity": "NONE"}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("nope")}, "ProjectionExpression": "a.b"}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("nope2")}, "AttributesToGet": ["a"]}),
        ("GetItem", {"TableName": r, "Key": {"pk": S("p1"), "sk": N("0.5")}}),
        ("GetItem", {"TableName": r, "Key": {"pk": S("p1"), "sk": N("3")},
                     "ProjectionExpression": "pk, lsk, l[1], m.tag"}),
        ("GetItem", {"TableName": r, "Key": {"pk": S("p1"), "sk": N(99)}}),
        ("GetItem", {"TableName": r, "Key": {"pk": S("p2"), "sk": N(5)}}),  # deleted
        ("GetItem", {"TableName": r, "Key": {"pk": S("p3"), "sk": N(2)}}),
        ("GetItem", {"TableName": b, "Key": {"pk": B(b"\xff\xfe")}}),
        ("GetItem", {"TableName": b, "Key": {"pk": B(b"\x01")}}),
        ("BatchGetItem", {"RequestItems": {
            h: {"Keys": [{"pk": S("h0")}, {"pk": S("nope")}, {"pk": S("h5")}, {"pk": S("h1")}]},
            r: {"Keys": [{"pk": S("p1"), "sk": N(1)}, {"pk": S("p2"), "sk": N(2)},
                         {"pk": S("p9"), "sk": N(1)}, {"pk": S("p1"), "sk": N(-1)}]},
            b: {"Keys": [{"pk": B(b"abc")}, {"pk": B(b"\x00")}]}}}),
        ("BatchGetItem", {"RequestItems": {
            h: {"Keys": [{"pk": S("h0")}, {"pk": S("h3")}, {"pk": S("zz")}],
                "ProjectionExpression": "#l[0], m.nest, pk",
                "ExpressionAttributeNames": {"#l": "l"}},
            r: {"Keys": [{"pk": S("p1"), "sk": N(7)}, {"pk": S("p3"), "sk": N(0)}],
                "AttributesToGet": ["lsk", "g", "missing"]}}}),
        ("BatchGetItem", {"RequestItems": {
            h: {"Keys": [{"pk": S("absent1")}, {"pk": S("absent2")}]}}}),
        ("BatchGetItem", {"RequestItems": {
            h: {"Keys": [{"pk": S("h8")}, {"pk": S("h7")}, {"pk": S("h6")}],
                "ProjectionExpression": "#ab, tail, v", "ExpressionAttributeNames": {
                    "#ab": "a.b"}},
            r: {"Keys": [{"pk": S("big"), "sk": N(k)} for k in range(0, 24, 3)]}}}),
    ]
    return reads


def page_reads(ds):
    """Query and Scan requests: each the first page of a chain followed to the end."""
    h, r, b = ds["h"], ds["r"], ds["b"]
    p1 = {":p": S("p1")}

    def q(**kw):
        return ("Query", dict({"TableName": r}, **kw))

    def s(**kw):
        return ("Scan", dict({"TableName": r}, **kw))

    return [
        q(KeyConditionExpression="pk = :p", ExpressionAttributeValues=p1),
        q(KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
          ExpressionAttributeValues=dict(p1, **{":a": N(1), ":b": N("5.0")})),
        q(KeyConditionExpression="pk = :p AND sk > :a",
          FilterExpression="n > :f AND attribute_exists(g)",
          ExpressionAttributeValues=dict(p1, **{":a": N(0), ":f": N("2.5")})),
        q(KeyConditionExpression="pk = :p", ProjectionExpression="sk, m.tag, l[1], nothere",
          ExpressionAttributeValues=p1),
        q(KeyConditionExpression="pk = :p", Select="COUNT", ExpressionAttributeValues=p1),
        q(KeyConditionExpression="pk = :p", ScanIndexForward=False,
          ExpressionAttributeValues={":p": S("p2")}),
        q(KeyConditionExpression="pk = :p", Limit=2, ExpressionAttributeValues=p1),
        q(KeyConditionExpression="pk = :p", Limit=3, ScanIndexForward=False,
          FilterExpression="m.tag = :t", ExpressionAttributeValues=dict(p1, **{":t": S("t1")})),
        q(KeyConditionExpression="pk = :p AND sk < :a", ExpressionAttributeValues={
            ":p": S("nobody"), ":a": N(1)}),
        q(IndexName="gsi", KeyConditionExpression="g = :g",
          ExpressionAttributeValues={":g": S("g1")}),
        q(IndexName="gsi", KeyConditionExpression="g = :g AND gs < :x",
          ExpressionAttributeValues={":g": S("g0"), ":x": N(52)}),
        q(IndexName="gsi", KeyConditionExpression="g = :g", Limit=2, ScanIndexForward=False,
          ExpressionAttributeValues={":g": S("g1")}),
        q(IndexName="gsi", KeyConditionExpression="g = :g", Select="COUNT",
          ExpressionAttributeValues={":g": S("g1")}),
        q(IndexName="lsi", KeyConditionExpression="pk = :p AND begins_with(lsk, :a)",
          ExpressionAttributeValues=dict(p1, **{":a": S("a")})),
        q(IndexName="lsi", KeyConditionExpression="pk = :p", Limit=2,
          ExpressionAttributeValues=p1),
        q(IndexName="lsi", KeyConditionExpression="pk = :p", ProjectionExpression="lsk, n",
          ScanIndexForward=False, ExpressionAttributeValues={":p": S("p2")}),
        ("Query", {"TableName": h, "KeyConditionExpression": "pk = :p",
                   "ExpressionAttributeValues": {":p": S("h0")}}),
        ("Query", {"TableName": b, "KeyConditionExpression": "pk = :p",
                   "ExpressionAttributeValues": {":p": B(b"\x00")}}),
        s(),
        s(Limit=3),
        s(FilterExpression="contains(lsk, :a) OR size(l) > :n",
          ExpressionAttributeValues={":a": S("c"), ":n": N(1)}),
        s(Select="COUNT", FilterExpression="attribute_exists(g)"),
        s(Segment=0, TotalSegments=3, Limit=2),
        s(Segment=1, TotalSegments=3, Limit=2),
        s(Segment=2, TotalSegments=3, Limit=2),
        s(Segment=0, TotalSegments=2),
        s(Segment=1, TotalSegments=2),
        s(IndexName="gsi"),
        s(IndexName="gsi", Limit=4),
        s(IndexName="lsi", Limit=4, ProjectionExpression="pk, lsk"),
        ("Scan", {"TableName": h}),
        ("Scan", {"TableName": h, "Limit": 2, "ProjectionExpression": "pk, l[0], m.nest.deep"}),
        ("Scan", {"TableName": h, "Select": "COUNT"}),
        ("Scan", {"TableName": b}),
        q(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("big")}),
        q(KeyConditionExpression="pk = :p", ScanIndexForward=False, Select="COUNT",
          ExpressionAttributeValues={":p": S("big")}),
        q(IndexName="lsi", KeyConditionExpression="pk = :p AND lsk > :z",
          ExpressionAttributeValues={":p": S("big"), ":z": S("z05")}),
        s(FilterExpression="attribute_not_exists(fat)"),
    ]


# ---- 1. Byte-for-byte equality, cache on and off --------------------------------------------


def test_item_reads_are_byte_identical_to_cache_off(cold_pair):
    off, on, ds = cold_pair
    h, r = ds["h"], ds["r"]

    # Mixed hits and misses first, while the cache is cold: two keys read alone (cached), then
    # a batch of those two plus three never read (one of them missing).
    for payload in ({"TableName": h, "Key": {"pk": S("h2")}},
                    {"TableName": r, "Key": {"pk": S("p1"), "sk": N(5)}}):
        m0 = metrics(on)
        same("pre-read", "GetItem", payload, ok(off, "GetItem", payload),
             ok(on, "GetItem", payload))
        assert moved(m0, metrics(on)) == {"ItemCacheMisses": 1}
    mixed = {"RequestItems": {
        h: {"Keys": [{"pk": S("h3")}, {"pk": S("h2")}, {"pk": S("h4")}]},
        r: {"Keys": [{"pk": S("p1"), "sk": N(5)}, {"pk": S("p1"), "sk": N(77)}]}}}
    expected = ok(off, "BatchGetItem", mixed)
    m0 = metrics(on)
    same("mixed hits and misses", "BatchGetItem", mixed, expected, call(on, "BatchGetItem", mixed))
    assert moved(m0, metrics(on)) == {"ItemCacheHits": 2, "ItemCacheMisses": 3}
    m0 = metrics(on)
    same("all hits", "BatchGetItem", mixed, expected, call(on, "BatchGetItem", mixed))
    assert moved(m0, metrics(on)) == {"ItemCacheHits": 5}

    for op, payload in item_reads(ds):
        expected = ok(off, op, payload)
        n = keys_in(op, payload)
        m0 = metrics(on)
        same("first read", op, payload, expected, call(on, op, payload))
        m1 = metrics(on)
        d = moved(m0, m1)
        assert set(d) <= {"ItemCacheHits", "ItemCacheMisses"} and sum(d.values()) == n, (
            op, payload, d)
        same("second read (hit)", op, payload, expected, call(on, op, payload))
        assert moved(m1, metrics(on)) == {"ItemCacheHits": n}, (op, payload)

    # The cache-off server never reports a hit.
    m = metrics(off)
    assert m.get("ItemCacheHits", 0) == 0 and m.get("QueryCacheHits", 0) == 0


def test_items_written_through_read_back_as_without_cache(server_factory):
    """The same reads with no restart: entries come from the writes (PutItem's item,
    UpdateItem's new image, BatchWriteItem, TransactWriteItems, DeleteItem's negative entry),
    not from the store, and still read back byte for byte as the store has them."""
    ds = dataset("wt")
    off, on = cache_pair(server_factory)
    populate([off, on], ds)
    m0 = metrics(on)
    for op, payload in item_reads(ds) + page_reads(ds):
        expected = ok(off, op, payload)
        for i in range(2):
            same(f"read {i + 1}", op, payload, expected, call(on, op, payload))
    d = moved(m0, metrics(on))
    # Most first reads were already hits (written through), and no item read was a miss twice.
    n_item_keys = sum(keys_in(op, p) for op, p in item_reads(ds))
    assert d["ItemCacheHits"] > 1.5 * n_item_keys, d
    assert d["ItemCacheMisses"] < 0.5 * n_item_keys, d


def test_query_and_scan_pages_are_byte_identical_to_cache_off(cold_pair):
    off, on, ds = cold_pair
    seen = set()
    for op, first in page_reads(ds):
        counter = "QueryCacheMisses" if op == "Query" else "ScanCacheMisses"
        hit_counter = "QueryCacheHits" if op == "Query" else "ScanCacheHits"
        chain = pages(off, op, first)
        for payload, expected in chain:
            key = (op, json.dumps(payload, sort_keys=True))
            assert key not in seen, f"test bug: {key} twice"
            seen.add(key)
            m0 = metrics(on)
            same("first read (miss)", op, payload, expected, call(on, op, payload))
            m1 = metrics(on)
            assert moved(m0, m1) == {counter: 1}, (op, payload)
            same("second read (hit)", op, payload, expected, call(on, op, payload))
            assert moved(m1, metrics(on)) == {hit_counter: 1}, (op, payload)
        # Following the chain again on the cache-on server: its own LastEvaluatedKeys lead
        # through the same pages, all hits now.
        m0 = metrics(on)
        again = pages(on, op, first)
        assert [r.body for _, r in again] == [r.body for _, r in chain], (op, first)
        assert moved(m0, metrics(on)) == {hit_counter: len(chain)}, (op, first)
    # The data set is big enough that some chains really have several pages.
    assert len(seen) > len(page_reads(ds)) + 10


def strip_consumed_capacity(body):
    """`body` without its "ConsumedCapacity" member (and one comma next to it), byte for byte."""
    key = b'"ConsumedCapacity":'
    i = body.find(key)
    assert i >= 0, body
    k = i + len(key)
    assert body[k:k + 1] in (b"{", b"["), body
    depth = 0
    while True:
        c = body[k:k + 1]
        assert c, body
        if c in (b"{", b"["):
            depth += 1
        elif c in (b"}", b"]"):
            depth -= 1
            if depth == 0:
                break
        k += 1
    end = k + 1
    if body[end:end + 1] == b",":
        end += 1
    elif body[i - 1:i] == b",":
        i -= 1
    out = body[:i] + body[end:]
    assert key not in out, body
    return out


def shape(v):
    if isinstance(v, dict):
        return [(k, shape(x)) for k, x in v.items()]
    if isinstance(v, list):
        return [shape(x) for x in v]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return "number"
    return v


def numbers(v):
    if isinstance(v, dict):
        for x in v.values():
            yield from numbers(x)
    elif isinstance(v, list):
        for x in v:
            yield from numbers(x)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        yield v


@pytest.mark.parametrize("rcc", ["TOTAL", "INDEXES"])
def test_consumed_capacity_on_a_hit_is_zero_in_the_same_shape(cold_pair, rcc):
    off, on, ds = cold_pair
    h, r = ds["h"], ds["r"]
    reads = [
        ("GetItem", {"TableName": h, "Key": {"pk": S("h0")}}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("nope")}}),
        ("GetItem", {"TableName": r, "Key": {"pk": S("p1"), "sk": N(2)},
                     "ProjectionExpression": "lsk"}),
        ("BatchGetItem", {"RequestItems": {
            h: {"Keys": [{"pk": S("h1")}, {"pk": S("nope3")}]},
            r: {"Keys": [{"pk": S("p2"), "sk": N(1)}]}}}),
        ("Query", {"TableName": r, "KeyConditionExpression": "pk = :p",
                   "ExpressionAttributeValues": {":p": S("p1")}}),
        ("Query", {"TableName": r, "IndexName": "gsi", "KeyConditionExpression": "g = :g",
                   "ExpressionAttributeValues": {":g": S("g1")}}),
        ("Query", {"TableName": r, "IndexName": "lsi", "KeyConditionExpression": "pk = :p",
                   "Select": "COUNT", "ExpressionAttributeValues": {":p": S("p2")}}),
        ("Scan", {"TableName": r, "Limit": 4}),
        ("Scan", {"TableName": r, "IndexName": "gsi"}),
    ]
    for op, payload in reads:
        payload = dict(payload, ReturnConsumedCapacity=rcc)
        expected = ok(off, op, payload)
        miss = ok(on, op, payload)
        same("miss (served by the store)", op, payload, expected, miss)
        m0 = metrics(on)
        hit = ok(on, op, payload)
        d = moved(m0, metrics(on))
        assert d and all(k.endswith("Hits") for k in d), (op, payload, d)
        assert strip_consumed_capacity(hit.body) == strip_consumed_capacity(miss.body), (
            f"{op} {json.dumps(payload)}\n  miss: {miss.body!r}\n  hit:  {hit.body!r}")
        cc_miss, cc_hit = miss.json()["ConsumedCapacity"], hit.json()["ConsumedCapacity"]
        assert shape(cc_hit) == shape(cc_miss), (op, cc_miss, cc_hit)
        assert list(numbers(cc_hit)) and all(x == 0 for x in numbers(cc_hit)), (op, cc_hit)
        assert b'"CapacityUnits":0.0' in hit.body, hit.body
        assert any(x > 0 for x in numbers(cc_miss)), (op, cc_miss)

    # A batch whose keys of one table are all cached and of the other none: one entry per
    # table as without the cache, 0 units for the table answered from memory.
    for k in ("h2", "h3"):
        ok(on, "GetItem", {"TableName": h, "Key": {"pk": S(k)}})
    batch = {"ReturnConsumedCapacity": rcc, "RequestItems": {
        h: {"Keys": [{"pk": S("h2")}, {"pk": S("h3")}]},
        r: {"Keys": [{"pk": S("p3"), "sk": N(1)}, {"pk": S("p3"), "sk": N(2)}]}}}
    expected = ok(off, "BatchGetItem", batch)
    m0 = metrics(on)
    got = ok(on, "BatchGetItem", batch)
    assert moved(m0, metrics(on)) == {"ItemCacheHits": 2, "ItemCacheMisses": 2}
    assert strip_consumed_capacity(got.body) == strip_consumed_capacity(expected.body), (
        f"BatchGetItem {json.dumps(batch)}\n  off: {expected.body!r}\n  on:  {got.body!r}")
    cc_off, cc_on = expected.json()["ConsumedCapacity"], got.json()["ConsumedCapacity"]
    assert shape(cc_on) == shape(cc_off), (cc_off, cc_on)
    for e_off, e_on in zip(cc_off, cc_on):
        if e_on["TableName"] == h:
            assert all(x == 0 for x in numbers(e_on)), cc_on
        else:
            assert e_on == e_off, (cc_off, cc_on)

    # Writes report what they report without the cache.
    writes = [
        ("PutItem", {"TableName": h, "Item": {"pk": S("w1"), "v": S("x" * 3000)}}),
        ("UpdateItem", {"TableName": r, "Key": {"pk": S("p1"), "sk": N(1)},
                        "UpdateExpression": "SET g = :g", "ReturnValues": "UPDATED_OLD",
                        "ExpressionAttributeValues": {":g": S("g9")}}),
        ("UpdateItem", {"TableName": r, "Key": {"pk": S("p1"), "sk": N(2)},
                        "UpdateExpression": "SET v = :v", "ReturnValues": "ALL_NEW",
                        "ReturnItemCollectionMetrics": "SIZE",
                        "ExpressionAttributeValues": {":v": S("y" * 2000)}}),
        ("DeleteItem", {"TableName": r, "Key": {"pk": S("p1"), "sk": N(3)},
                        "ReturnItemCollectionMetrics": "SIZE"}),
        ("BatchWriteItem", {"RequestItems": {
            h: [{"PutRequest": {"Item": {"pk": S("w2")}}}],
            r: [{"DeleteRequest": {"Key": {"pk": S("p1"), "sk": N(4)}}}]}}),
        ("TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": h, "Item": {"pk": S("w3")}}},
            {"Update": {"TableName": r, "Key": {"pk": S("p2"), "sk": N(1)},
                        "UpdateExpression": "REMOVE g"}}]}),
    ]
    for op, payload in writes:
        payload = dict(payload, ReturnConsumedCapacity=rcc)
        same("write", op, payload, ok(off, op, payload), ok(on, op, payload))


def test_invalid_reads_of_cached_data_fail_as_without_cache(cold_pair):
    """A request that names cached data but is invalid gets the error the store would give,
    never an answer from memory."""
    off, on, ds = cold_pair
    h, r = ds["h"], ds["r"]
    h0 = {"pk": S("h0")}
    p1 = {":p": S("p1")}
    warm = [
        ("GetItem", {"TableName": h, "Key": h0}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("nope")}}),
        ("BatchGetItem", {"RequestItems": {h: {"Keys": [h0, {"pk": S("h1")}]}}}),
        ("Query", {"TableName": r, "KeyConditionExpression": "pk = :p",
                   "ExpressionAttributeValues": p1}),
        ("Scan", {"TableName": r, "Limit": 3}),
    ]
    for op, payload in warm:
        for _ in range(2):
            same("warm-up", op, payload, ok(off, op, payload), ok(on, op, payload))

    def get(**kw):
        return ("GetItem", dict({"TableName": h, "Key": h0}, **kw))

    def query(**kw):
        return ("Query", dict({"TableName": r, "KeyConditionExpression": "pk = :p",
                               "ExpressionAttributeValues": p1}, **kw))

    bad = [
        get(ProjectionExpression="m..a"),
        get(ProjectionExpression="n", ExpressionAttributeNames={"#unused": "x"}),
        get(ProjectionExpression="m, m.a"),
        get(ProjectionExpression="#nope"),
        get(ProjectionExpression="n", AttributesToGet=["n"]),
        get(AttributesToGet=["n", "n"]),
        get(AttributesToGet=[]),
        get(ConsistentRead="yes"),
        get(ReturnConsumedCapacity="SOME"),
        get(ExpressionAttributeNames={"#n": "n"}),
        ("GetItem", {"TableName": h, "Key": {"pk": N(0)}}),
        ("GetItem", {"TableName": h, "Key": dict(h0, extra=S("y"))}),
        ("GetItem", {"TableName": h, "Key": {}}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("nope")}, "ProjectionExpression": "size"}),
        ("GetItem", {"TableName": h + "-x", "Key": h0}),
        ("GetItem", {"Key": h0}),
        ("BatchGetItem", {"RequestItems": {h: {"Keys": [h0, h0]}}}),
        ("BatchGetItem", {"RequestItems": {h: {"Keys": [h0]}, h + "-x": {"Keys": [h0]}}}),
        ("BatchGetItem", {"RequestItems": {h: {"Keys": [{"pk": S(f"k{i}")} for i in range(101)]}}}),
        ("BatchGetItem", {"RequestItems": {h: {"Keys": [h0], "ProjectionExpression": "a,,b"}}}),
        ("BatchGetItem", {"RequestItems": {h: {"Keys": [h0, {"pk": S("h1"), "sk": S("x")}]}}}),
        ("BatchGetItem", {"RequestItems": {}}),
        query(ExpressionAttributeValues=dict(p1, **{":unused": S("x")})),
        query(ExpressionAttributeNames={"#unused": "x"}),
        query(Limit=0),
        query(Select="COUNT", ProjectionExpression="sk"),
        query(Select="SPECIFIC_ATTRIBUTES"),
        query(ExclusiveStartKey={"pk": S("p1")}),
        query(ExclusiveStartKey={"pk": S("p2"), "sk": N(1)}),
        query(IndexName="nosuch"),
        query(FilterExpression="sk > :p"),
        query(ScanIndexForward="false"),
        ("Query", {"TableName": r, "KeyConditionExpression": "n = :p",
                   "ExpressionAttributeValues": p1}),
        ("Query", {"TableName": r, "KeyConditionExpression": "pk = :p"}),
        ("Scan", {"TableName": r, "Limit": 3, "Segment": 3, "TotalSegments": 3}),
        ("Scan", {"TableName": r, "Limit": 3, "Segment": 0}),
        ("Scan", {"TableName": r, "Limit": 3, "ExpressionAttributeValues": {":v": S("x")}}),
        ("Scan", {"TableName": r, "Limit": -3}),
        ("Scan", {"TableName": r, "Limit": 3, "Select": "ALL_PROJECTED_ATTRIBUTES"}),
    ]
    for op, payload in bad:
        expected = call(off, op, payload)
        assert expected.status == 400, (op, payload, expected)
        for i in range(2):
            same(f"invalid read {i + 1}", op, payload, expected, call(on, op, payload))
    for op, payload in warm:  # and the cache is still right
        same("after the invalid reads", op, payload, ok(off, op, payload), ok(on, op, payload))


def test_close_variants_of_a_request_are_not_confused(cold_pair):
    """Requests that differ a little (or not at all in meaning) each get the answer the store
    gives them, in any order: a canonical key never merges requests of different answers."""
    off, on, ds = cold_pair
    h, r = ds["h"], ds["r"]
    p1 = {":p": S("p1")}
    q = {"TableName": r, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": p1}
    h0 = {"TableName": h, "Key": {"pk": S("h0")}}
    variants = [
        ("GetItem", dict(h0, ProjectionExpression="m.a")),
        ("GetItem", dict(h0, ProjectionExpression="m.nest")),
        ("GetItem", dict(h0, ProjectionExpression="m")),
        ("GetItem", dict(h0, ProjectionExpression="m.a, n")),
        ("GetItem", dict(h0, ProjectionExpression="n, m.a")),
        ("GetItem", dict(h0, AttributesToGet=["n", "m"])),
        ("GetItem", dict(h0, AttributesToGet=["m", "n"])),
        ("GetItem", dict(h0, ProjectionExpression="#a", ExpressionAttributeNames={"#a": "n"})),
        ("GetItem", dict(h0, ProjectionExpression="#a", ExpressionAttributeNames={"#a": "l"})),
        ("GetItem", dict(h0, ProjectionExpression="l[0]")),
        ("GetItem", dict(h0, ProjectionExpression="l[1]")),
        ("GetItem", dict(h0, ProjectionExpression="l")),
        ("GetItem", dict(h0, ReturnConsumedCapacity="NONE")),
        # GetItem has no ExpressionAttributeValues; the store ignores the member.
        ("GetItem", dict(h0, ProjectionExpression="n", ExpressionAttributeValues={":v": S("x")})),
        ("GetItem", {"TableName": h, "Key": {"pk": S("H0")}}),
        ("GetItem", {"TableName": h, "Key": {"pk": S("h0 ")}}),
        ("Query", dict(q)),
        ("Query", dict(q, ProjectionExpression="sk, n")),
        ("Query", dict(q, ProjectionExpression="n, sk")),
        ("Query", dict(q, ProjectionExpression="#a", ExpressionAttributeNames={"#a": "n"})),
        ("Query", dict(q, ProjectionExpression="#a", ExpressionAttributeNames={"#a": "lsk"})),
        ("Query", dict(q, Select="ALL_ATTRIBUTES")),
        ("Query", dict(q, Select="COUNT")),
        ("Query", dict(q, Select="SPECIFIC_ATTRIBUTES", ProjectionExpression="sk")),
        ("Query", {"TableName": r, "AttributesToGet": ["sk", "n"], "KeyConditions": {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p1")]}}}),
        ("Query", {"TableName": r, "AttributesToGet": ["n", "sk"], "KeyConditions": {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p1")]}}}),
        ("Query", dict(q, Limit=2)),
        ("Query", dict(q, Limit=3)),
        ("Query", dict(q, ScanIndexForward=True)),
        ("Query", dict(q, ScanIndexForward=False)),
        ("Query", dict(q, ConsistentRead=False)),
        ("Query", dict(q, ReturnConsumedCapacity="NONE")),
        ("Query", dict(q, IndexName="lsi")),
        ("Query", dict(q, KeyConditionExpression="pk = :p AND sk > :x",
                       ExpressionAttributeValues=dict(p1, **{":x": N("1")}))),
        ("Query", dict(q, KeyConditionExpression="pk = :p AND sk > :x",
                       ExpressionAttributeValues=dict(p1, **{":x": N("1.0")}))),
        ("Query", dict(q, KeyConditionExpression="pk = :p AND sk > :x",
                       ExpressionAttributeValues=dict(p1, **{":x": N("1.5")}))),
        ("Query", dict(q, KeyConditionExpression="pk = :p AND sk >= :x",
                       ExpressionAttributeValues=dict(p1, **{":x": N("1")}))),
        ("Query", dict(q, KeyConditionExpression="pk = :p AND :x < sk",
                       ExpressionAttributeValues=dict(p1, **{":x": N("1")}))),
        ("Query", dict(q, FilterExpression="m.tag = :t",
                       ExpressionAttributeValues=dict(p1, **{":t": S("t1")}))),
        ("Query", dict(q, FilterExpression="m.tag = :t",
                       ExpressionAttributeValues=dict(p1, **{":t": S("t2")}))),
        ("Query", dict(q, FilterExpression="m.tag <> :t",
                       ExpressionAttributeValues=dict(p1, **{":t": S("t1")}))),
        ("Query", dict(q, FilterExpression="NOT m.tag = :t",
                       ExpressionAttributeValues=dict(p1, **{":t": S("t1")}))),
        ("Query", dict(q, FilterExpression="n > :x OR n < :y",
                       ExpressionAttributeValues=dict(p1, **{":x": N(5), ":y": N(2)}))),
        ("Query", dict(q, FilterExpression="n > :y OR n < :x",
                       ExpressionAttributeValues=dict(p1, **{":x": N(5), ":y": N(2)}))),
        ("Query", dict(q, FilterExpression="(n > :x OR n < :y) AND attribute_exists(g)",
                       ExpressionAttributeValues=dict(p1, **{":x": N(5), ":y": N(2)}))),
        ("Query", dict(q, FilterExpression="n > :x OR (n < :y AND attribute_exists(g))",
                       ExpressionAttributeValues=dict(p1, **{":x": N(5), ":y": N(2)}))),
        ("Query", {"TableName": r, "KeyConditions": {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p1")]}}}),
        ("Query", {"TableName": r, "KeyConditions": {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p1")]},
            "sk": {"ComparisonOperator": "GT", "AttributeValueList": [N(1)]}}}),
        ("Query", {"TableName": r, "KeyConditions": {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p1")]}},
                   "QueryFilter": {"g": {"ComparisonOperator": "EQ",
                                         "AttributeValueList": [S("g1")]}}}),
        ("Query", {"TableName": r, "KeyConditions": {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p1")]}},
                   "QueryFilter": {"g": {"ComparisonOperator": "EQ",
                                         "AttributeValueList": [S("g0")]}}}),
        ("Query", {"TableName": r, "KeyConditions": {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p1")]}},
                   "QueryFilter": {"g": {"ComparisonOperator": "EQ",
                                         "AttributeValueList": [S("g0")]},
                                   "n": {"ComparisonOperator": "GT",
                                         "AttributeValueList": [N(3)]}},
                   "ConditionalOperator": "OR"}),
        ("Query", dict(q, ExclusiveStartKey={"pk": S("p1"), "sk": N(2)})),
        ("Query", dict(q, ExclusiveStartKey={"pk": S("p1"), "sk": N("2.0")})),
        ("Query", dict(q, ExclusiveStartKey={"pk": S("p1"), "sk": N(3)})),
        ("Scan", {"TableName": r, "FilterExpression": "n > :a",
                  "ExpressionAttributeValues": {":a": N(3)}}),
        ("Scan", {"TableName": r, "FilterExpression": "n >= :a",
                  "ExpressionAttributeValues": {":a": N(3)}}),
        ("Scan", {"TableName": r, "FilterExpression": "n >= :a",
                  "ExpressionAttributeValues": {":a": S("3")}}),
        ("Scan", {"TableName": r, "ScanFilter": {
            "n": {"ComparisonOperator": "GE", "AttributeValueList": [N(3)]}}}),
        ("Scan", {"TableName": r, "Limit": 5}),
        ("Scan", {"TableName": r, "Limit": 5, "IndexName": "lsi"}),
        ("Scan", {"TableName": r, "Limit": 5, "Segment": 0, "TotalSegments": 1}),
        ("Scan", {"TableName": r, "Limit": 5, "Segment": 0, "TotalSegments": 2}),
        ("Scan", {"TableName": r, "Limit": 5, "Segment": 1, "TotalSegments": 2}),
        ("Scan", {"TableName": r, "Limit": 5, "AttributesToGet": ["pk"]}),
        ("Scan", {"TableName": r, "Limit": 5, "ProjectionExpression": "pk"}),
        ("Scan", {"TableName": h, "Limit": 5}),
    ]
    order = list(range(len(variants)))
    passes = [order, order[::-1], order[1::2] + order[0::2]]
    for n, p in enumerate(passes):
        for i in p:
            op, payload = variants[i]
            same(f"pass {n + 1}", op, payload, ok(off, op, payload), ok(on, op, payload))
    # Answers that must differ do: the variants are not all alike.
    bodies = {ok(off, op, payload).body for op, payload in variants}
    assert len(bodies) > len(variants) // 2


def test_number_keys_in_any_spelling_are_one_key(server_factory):
    """A number key written and read with different spellings ("1", "1.0", "10E-1") is one
    item, for the item cache and for the query cache, as it is for the store."""
    off, on = cache_pair(server_factory)
    t = u.unique_name("numkey")
    req = {"TableName": t, "BillingMode": "PAY_PER_REQUEST",
           "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "N"},
                                    {"AttributeName": "sk", "AttributeType": "N"}],
           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                         {"AttributeName": "sk", "KeyType": "RANGE"}]}
    create([off, on], req)
    s_t = u.unique_name("strkey")
    create([off, on], hash_table_req(s_t))
    spellings = [("1", "0.5"), ("1.0", "0.50"), ("1E0", "5E-1"), ("10E-1", "50E-2"),
                 ("0.1E1", "0.500")]

    def reads():
        out = []
        for pk, sk in spellings:
            out.append(("GetItem", {"TableName": t, "Key": {"pk": N(pk), "sk": N(sk)}}))
            out.append(("BatchGetItem", {"RequestItems": {t: {"Keys": [
                {"pk": N(pk), "sk": N(sk)}, {"pk": N(pk), "sk": N(7)}]}}}))
            out.append(("Query", {"TableName": t, "KeyConditionExpression": "pk = :p",
                                  "ExpressionAttributeValues": {":p": N(pk)}}))
            out.append(("Query", {"TableName": t, "KeyConditionExpression": "pk = :p AND sk = :s",
                                  "ExpressionAttributeValues": {":p": N(pk), ":s": N(sk)}}))
        for key in ("\u00e9", "e\u0301"):  # composed and decomposed: two keys
            out.append(("GetItem", {"TableName": s_t, "Key": {"pk": S(key)}}))
            # The same request with the string as raw UTF-8 instead of a \\u escape.
            out.append(("GetItem", json.dumps({"TableName": s_t, "Key": {"pk": S(key)}},
                                              ensure_ascii=False).encode("utf-8")))
        return out

    def check(step):
        for op, payload in reads():
            expected = ok(off, op, payload)
            for i in range(2):
                same(f"after {step}, read {i + 1}", op, payload, expected, call(on, op, payload))

    writes = [
        ("PutItem", {"TableName": t, "Item": {"pk": N("1"), "sk": N("0.5"), "v": S("a")}}),
        ("PutItem", {"TableName": s_t, "Item": {"pk": S("\u00e9"), "v": S("composed")}}),
        ("UpdateItem", {"TableName": t, "Key": {"pk": N("10E-1"), "sk": N("0.500")},
                        "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {
                            ":v": S("b")}}),
        ("PutItem", {"TableName": s_t, "Item": {"pk": S("e\u0301"), "v": S("decomposed")}}),
        ("BatchWriteItem", {"RequestItems": {t: [{"PutRequest": {"Item": {
            "pk": N("1E0"), "sk": N("50E-2"), "v": S("c")}}}]}}),
        ("TransactWriteItems", {"TransactItems": [{"Update": {
            "TableName": t, "Key": {"pk": N("0.1E1"), "sk": N("5E-1")},
            "UpdateExpression": "SET w = :w", "ExpressionAttributeValues": {":w": N("1.10")}}}]}),
        ("PutItem", {"TableName": t, "Item": {"pk": N("1.00"), "sk": N("7"), "v": S("seven")}}),
        ("DeleteItem", {"TableName": t, "Key": {"pk": N("1"), "sk": N("0.5000")}}),
        ("UpdateItem", {"TableName": s_t, "Key": {"pk": S("\u00e9")},
                        "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {
                            ":v": S("composed 2")}}),
    ]
    check("creation")
    for op, payload in writes:
        expected = ok(off, op, payload)
        same("write", op, payload, expected, ok(on, op, payload))
        check(f"{op} {json.dumps(payload)}")


def test_hits_still_need_a_valid_signature(server_factory, tmp_path):
    """Under auth mode sigv4 a read of cached data is refused like any other without a valid
    signature: a hit never skips the check."""
    key, secret = "AKIDCACHE", "cache-secret"
    config = tmp_path / "sigv4.toml"
    config.write_text('[auth]\nmode = "sigv4"\n\n'
                      f'[[auth.keys]]\naccess_key_id = "{key}"\nsecret_access_key = "{secret}"\n')
    srv = server_factory(config=config)
    t = u.unique_name("sig")
    u.create_table(u.make_client(srv.endpoint, key, secret), t)
    secret_value = "the cached secret value"

    def signed(op, payload, **kw):
        return u.call(srv.port, op, payload, key=key, secret=secret, **kw)

    assert signed("PutItem", {"TableName": t, "Item": {"pk": S("a"),
                                                       "v": S(secret_value)}}).status == 200
    reads = [("GetItem", {"TableName": t, "Key": {"pk": S("a")}}),
             ("BatchGetItem", {"RequestItems": {t: {"Keys": [{"pk": S("a")}]}}}),
             ("Query", {"TableName": t, "KeyConditionExpression": "pk = :p",
                        "ExpressionAttributeValues": {":p": S("a")}}),
             ("Scan", {"TableName": t})]
    m0 = metrics(srv)
    for op, payload in reads * 2:
        r = signed(op, payload)
        assert r.status == 200 and secret_value.encode() in r.body, r
    assert moved(m0, metrics(srv)).get("ItemCacheHits") == 4
    for op, payload in reads:
        for r, type_ in ((u.call(srv.port, op, payload, sign=False), u.T_MISSING_AUTH),
                         (u.call(srv.port, op, payload, key=key, secret="wrong"),
                          u.T_INVALID_SIG),
                         (u.call(srv.port, op, payload, key="AKIDOTHER", secret=secret),
                          u.T_UNRECOGNIZED)):
            assert r.status in (400, 403) and r.json()["__type"] == type_, (op, r)
            assert secret_value.encode() not in r.body


def test_http_variants_of_cached_reads_answer_as_without_cache(cold_pair):
    """The same cached reads sent with other HTTP details (JSON content type, gzip accepted,
    another API version prefix, no content type): the answers are the cache-off server's."""
    off, on, ds = cold_pair
    h, r = ds["h"], ds["r"]
    reads = [("GetItem", {"TableName": h, "Key": {"pk": S("h0")}}),
             ("GetItem", {"TableName": h, "Key": {"pk": S("nope")}}),
             ("BatchGetItem", {"RequestItems": {h: {"Keys": [{"pk": S("h1")}]}}}),
             ("Query", {"TableName": r, "KeyConditionExpression": "pk = :p",
                        "ExpressionAttributeValues": {":p": S("p1")}}),
             ("Scan", {"TableName": r, "Limit": 2})]
    for op, payload in reads:  # cached
        for srv in (off, on, on):
            ok(srv, op, payload)
    variants = [
        dict(content_type="application/json"),
        dict(content_type=None),
        dict(content_type="text/plain"),
        dict(extra_headers={"Accept-Encoding": "gzip"}),
        dict(extra_headers={"Accept-Encoding": "identity"}),
        dict(extra_headers={"Connection": "close"}),
        dict(version="DynamoDB_20111205."),
        dict(version="DynamoDBStreams_20120810."),
    ]
    for op, payload in reads:
        for v in variants:
            v = dict(v)
            target = v.pop("version", u.TARGET_PREFIX) + op
            expected = u.call(off.port, target, payload, **v)
            for _ in range(2):
                got = u.call(on.port, target, payload, **v)
                same(f"HTTP variant {v} {target}", op, payload, expected, got)


# ---- 2. Canonical query keys ----------------------------------------------------------------


def test_equivalent_requests_share_one_entry(server_factory):
    srv = server_factory()
    t = u.unique_name("canon")
    create([srv], range_table_req(t))
    for pk in ("p", "q"):
        for k in range(6):
            ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S(pk), "sk": N(k),
                                                         "v": S("no" if k == 3 else f"v{k}")}})
    a = json.dumps({
        "TableName": t, "KeyConditionExpression": "#a = :v AND #b > :w",
        "FilterExpression": "#c <> :z", "ProjectionExpression": "#a, #b, #c",
        "ExpressionAttributeNames": {"#a": "pk", "#b": "sk", "#c": "v"},
        "ExpressionAttributeValues": {":v": S("p"), ":w": N(1), ":z": S("no")}})
    b = ('{ "ExpressionAttributeValues" : {":y2": {"N":"1"}, ":y": {"S" : "p"},\n'
         '   ":q": {"S": "no"}},\n "ProjectionExpression": "#x,#y ,  #z",\t"TableName": "%s",'
         ' "FilterExpression":"  #z<>:q ", "KeyConditionExpression": "#x=:y   AND\\n #y >:y2",'
         ' "ExpressionAttributeNames": {"#z":"v", "#y":"sk", "#x":"pk"} }' % t)
    m0 = metrics(srv)
    ra = ok(srv, "Query", a)
    m1 = metrics(srv)
    assert moved(m0, m1) == {"QueryCacheMisses": 1}
    assert ra.json()["Count"] == 3  # sk 2, 4, 5 (3 is filtered out)
    rb = ok(srv, "Query", b)
    m2 = metrics(srv)
    assert moved(m1, m2) == {"QueryCacheHits": 1}
    assert rb.body == ra.body

    # Requests that mean something else are other entries.
    other_value = a.replace('{"S": "p"}', '{"S": "q"}')
    assert other_value != a
    rc = ok(srv, "Query", other_value)
    m3 = metrics(srv)
    assert moved(m2, m3) == {"QueryCacheMisses": 1}
    assert rc.body != ra.body and rc.json()["Items"][0]["pk"] == S("q")
    # Same text and values, a placeholder bound to another attribute (w, which no item has:
    # nothing is filtered out, nothing of it projected).
    other_name = a.replace('"#c": "v"', '"#c": "w"')
    assert other_name != a
    rd = ok(srv, "Query", other_name)
    assert moved(m3, metrics(srv)) == {"QueryCacheMisses": 1}
    assert [it for it in rd.json()["Items"]] == [{"pk": S("p"), "sk": N(k)} for k in (2, 3, 4, 5)]

    # The same for Scan.
    sa = json.dumps({"TableName": t, "FilterExpression": "#v = :x OR #s = :n",
                     "ExpressionAttributeNames": {"#v": "v", "#s": "sk"},
                     "ExpressionAttributeValues": {":x": S("v1"), ":n": N(4)}})
    sb = ('{"ExpressionAttributeNames":{"#kk":"sk","#vv":"v"},"FilterExpression":'
          '"#vv=:a   OR #kk =   :b","ExpressionAttributeValues":{":b":{"N":"4"},'
          '":a":{"S":"v1"}},"TableName":"%s"}' % t)
    m0 = metrics(srv)
    ra = ok(srv, "Scan", sa)
    m1 = metrics(srv)
    rb = ok(srv, "Scan", sb)
    assert moved(m0, m1) == {"ScanCacheMisses": 1}
    assert moved(m1, metrics(srv)) == {"ScanCacheHits": 1}
    assert rb.body == ra.body and ra.json()["Count"] == 4


# ---- 3. Write-through -----------------------------------------------------------------------


def test_writes_are_visible_at_once_and_answer_as_without_cache(server_factory):
    off, on = cache_pair(server_factory)
    h, r = u.unique_name("wth"), u.unique_name("wtr")
    create([off, on], hash_table_req(h))
    create([off, on], range_table_req(r, gsi=True))
    hkeys = [{"pk": S(f"k{i}")} for i in range(6)]
    rkeys = [{"pk": S(p), "sk": N(k)} for p in ("a", "b") for k in range(3)]

    def reads():
        out = [("GetItem", {"TableName": h, "Key": k}) for k in hkeys]
        out += [("GetItem", {"TableName": r, "Key": k}) for k in rkeys]
        out += [("GetItem", {"TableName": h, "Key": {"pk": S("k1")},
                             "ProjectionExpression": "a, s, c"})]
        out += [("BatchGetItem", {"RequestItems": {h: {"Keys": hkeys}, r: {"Keys": rkeys}}})]
        for p in ("a", "b"):
            out.append(("Query", {"TableName": r, "KeyConditionExpression": "pk = :p",
                                  "ExpressionAttributeValues": {":p": S(p)}}))
        for g in ("x", "y"):
            out.append(("Query", {"TableName": r, "IndexName": "gsi",
                                  "KeyConditionExpression": "g = :g",
                                  "ExpressionAttributeValues": {":g": S(g)}}))
        out += [("Scan", {"TableName": h}), ("Scan", {"TableName": r}),
                ("Scan", {"TableName": r, "IndexName": "gsi"})]
        return out

    def check(step):
        for op, payload in reads():
            expected = ok(off, op, payload)
            for i in range(2):  # the second read is answered from memory
                same(f"after {step}, read {i + 1}", op, payload, expected, call(on, op, payload))

    one = {":one": N(1)}
    steps = [
        ("PutItem", {"TableName": h, "Item": {"pk": S("k1"), "a": N(1)}}, 200),
        ("PutItem", {"TableName": h, "Item": {"pk": S("k1"), "a": N("2.50"), "s": S("x"),
                                              "l": {"L": [N(1)]}},
                     "ReturnValues": "ALL_OLD"}, 200),
        ("UpdateItem", {"TableName": h, "Key": {"pk": S("k1")},
                        "UpdateExpression": "SET a = a + :one",
                        "ExpressionAttributeValues": one, "ReturnValues": "NONE"}, 200),
        ("UpdateItem", {"TableName": h, "Key": {"pk": S("k1")}, "UpdateExpression": "SET s = :s",
                        "ExpressionAttributeValues": {":s": S("y")}, "ReturnValues": "ALL_NEW"},
         200),
        ("UpdateItem", {"TableName": h, "Key": {"pk": S("k1")},
                        "UpdateExpression": "ADD c :one SET l[3] = :s",
                        "ExpressionAttributeValues": dict(one, **{":s": S("app")}),
                        "ReturnValues": "UPDATED_NEW"}, 200),
        ("UpdateItem", {"TableName": h, "Key": {"pk": S("k1")}, "UpdateExpression": "REMOVE s",
                        "ReturnValues": "ALL_OLD"}, 200),
        ("UpdateItem", {"TableName": h, "Key": {"pk": S("k1")}, "UpdateExpression": "SET a = :v",
                        "ExpressionAttributeValues": {":v": N("-0.50")},
                        "ReturnValues": "UPDATED_OLD"}, 200),
        ("UpdateItem", {"TableName": h, "Key": {"pk": S("k1")}, "UpdateExpression": "SET a = :v",
                        "ExpressionAttributeValues": {":v": N("-0.5")},
                        "ReturnValues": "UPDATED_NEW"}, 200),
        ("UpdateItem", {"TableName": h, "Key": {"pk": S("k5")}, "UpdateExpression": "SET a = :v",
                        "ExpressionAttributeValues": {":v": N(5)}, "ReturnValues": "ALL_OLD"},
         200),  # creates the item; nothing old
        ("UpdateItem", {"TableName": h, "Key": {"pk": S("k5")},
                        "UpdateExpression": "SET a = :v", "ConditionExpression": "a = :w",
                        "ExpressionAttributeValues": {":v": N(6), ":w": N(0)},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}, 400),
        ("PutItem", {"TableName": h, "Item": {"pk": S("k1"), "other": S("o")},
                     "ConditionExpression": "attribute_not_exists(pk)"}, 400),
        ("PutItem", {"TableName": h, "Item": {"pk": S("k2"), "v": {"SS": ["s1", "s2"]}},
                     "ConditionExpression": "attribute_not_exists(pk)"}, 200),
        ("DeleteItem", {"TableName": h, "Key": {"pk": S("k2")},
                        "ConditionExpression": "attribute_not_exists(v)"}, 400),
        ("DeleteItem", {"TableName": h, "Key": {"pk": S("k1")}, "ReturnValues": "ALL_OLD"}, 200),
        ("DeleteItem", {"TableName": h, "Key": {"pk": S("k0")}}, 200),  # was not there
        ("BatchWriteItem", {"RequestItems": {
            h: [{"PutRequest": {"Item": {"pk": S("k3"), "a": N(3)}}},
                {"PutRequest": {"Item": {"pk": S("k4"), "a": N(4)}}},
                {"DeleteRequest": {"Key": {"pk": S("k5")}}}],
            r: [{"PutRequest": {"Item": {"pk": S(p), "sk": N(k), "g": S("xy"[k % 2]),
                                         "v": N(k)}}}
                for p in ("a", "b") for k in range(3)]}}, 200),
        ("TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": h, "Item": {"pk": S("k0"), "t": S("tx")}}},
            {"Update": {"TableName": h, "Key": {"pk": S("k3")},
                        "UpdateExpression": "SET a = a + :one", "ExpressionAttributeValues": one}},
            {"Delete": {"TableName": h, "Key": {"pk": S("k4")}}},
            {"ConditionCheck": {"TableName": r, "Key": {"pk": S("a"), "sk": N(0)},
                                "ConditionExpression": "attribute_exists(pk)"}},
            {"Update": {"TableName": r, "Key": {"pk": S("a"), "sk": N(1)},
                        "UpdateExpression": "SET g = :g", "ExpressionAttributeValues": {
                            ":g": S("x")}}}]}, 200),
        ("TransactWriteItems", {"TransactItems": [  # cancelled: nothing changes
            {"Put": {"TableName": h, "Item": {"pk": S("k0"), "t": S("never")}}},
            {"Delete": {"TableName": r, "Key": {"pk": S("b"), "sk": N(2)}}},
            {"ConditionCheck": {"TableName": h, "Key": {"pk": S("k4")},
                                "ConditionExpression": "attribute_exists(pk)"}}]}, 400),
        ("UpdateItem", {"TableName": r, "Key": {"pk": S("b"), "sk": N(2)},
                        "UpdateExpression": "REMOVE g SET v = :v",
                        "ExpressionAttributeValues": {":v": S("moved out of the index")},
                        "ReturnValues": "ALL_NEW"}, 200),
        ("DeleteItem", {"TableName": r, "Key": {"pk": S("a"), "sk": N(0)},
                        "ReturnValues": "ALL_OLD"}, 200),
    ]
    check("table creation")
    for op, payload, status in steps:
        expected = call(off, op, payload)
        got = call(on, op, payload)
        assert expected.status == status, (op, payload, expected)
        same("write", op, payload, expected, got)
        check(f"{op} {json.dumps(payload)}")

    # The final state, spelled out.
    assert ok(on, "GetItem", {"TableName": h, "Key": {"pk": S("k0")}}).json() == {
        "Item": {"pk": S("k0"), "t": S("tx")}}
    assert ok(on, "GetItem", {"TableName": h, "Key": {"pk": S("k1")}}).json() == {}
    assert ok(on, "GetItem", {"TableName": h, "Key": {"pk": S("k3")}}).json() == {
        "Item": {"pk": S("k3"), "a": N(4)}}


def test_failed_conditional_put_leaves_reads_correct(server_factory):
    srv = server_factory()
    t = u.unique_name("cond")
    create([srv], hash_table_req(t))
    key = {"pk": S("x")}
    ok(srv, "PutItem", {"TableName": t, "Item": dict(key, v=N(1))})
    get = {"TableName": t, "Key": key}
    assert ok(srv, "GetItem", get).json() == {"Item": {"pk": S("x"), "v": N(1)}}
    r = call(srv, "PutItem", {"TableName": t, "Item": dict(key, v=N(2)),
                              "ConditionExpression": "v = :two",
                              "ExpressionAttributeValues": {":two": N(2)}})
    u.expect_error(r, u.T_CONDITIONAL, "The conditional request failed")
    for _ in range(2):
        assert ok(srv, "GetItem", get).json() == {"Item": {"pk": S("x"), "v": N(1)}}
    # A failed condition on a missing key: still missing.
    r = call(srv, "PutItem", {"TableName": t, "Item": {"pk": S("y")},
                              "ConditionExpression": "attribute_exists(pk)"})
    assert r.status == 400, r
    for _ in range(2):
        assert ok(srv, "GetItem", {"TableName": t, "Key": {"pk": S("y")}}).json() == {}


def test_table_deleted_and_created_again_does_not_serve_old_items(server_factory):
    srv = server_factory()
    ddb = u.make_client(srv.endpoint)
    t = u.unique_name("again")
    create([srv], hash_table_req(t))
    for i in range(3):
        ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S(f"k{i}"), "v": S("old")}})
    get = {"TableName": t, "Key": {"pk": S("k0")}}
    query = {"TableName": t, "KeyConditionExpression": "pk = :p",
             "ExpressionAttributeValues": {":p": S("k0")}}
    batch = {"RequestItems": {t: {"Keys": [{"pk": S("k1")}, {"pk": S("k2")}]}}}
    for _ in range(2):  # cached now
        assert ok(srv, "GetItem", get).json()["Item"]["v"] == S("old")
        assert ok(srv, "Query", query).json()["Count"] == 1
        assert ok(srv, "Scan", {"TableName": t}).json()["Count"] == 3
        assert len(ok(srv, "BatchGetItem", batch).json()["Responses"][t]) == 2

    ok(srv, "DeleteTable", {"TableName": t})
    u.wait_gone(ddb, t)
    for op, payload in (("GetItem", get), ("Query", query), ("Scan", {"TableName": t}),
                        ("BatchGetItem", batch)):
        r = call(srv, op, payload)
        assert r.status == 400 and r.json()["__type"] == u.T_NOT_FOUND, (op, r)

    create([srv], hash_table_req(t))
    assert ok(srv, "GetItem", get).json() == {}
    assert ok(srv, "Query", query).json() == {"Count": 0, "Items": [], "ScannedCount": 0}
    assert ok(srv, "Scan", {"TableName": t}).json() == {"Count": 0, "Items": [],
                                                       "ScannedCount": 0}
    assert ok(srv, "BatchGetItem", batch).json() == {"Responses": {t: []},
                                                     "UnprocessedKeys": {}}
    ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("k0"), "v": S("new")}})
    assert ok(srv, "GetItem", get).json() == {"Item": {"pk": S("k0"), "v": S("new")}}

    # Created again with another key schema: the old schema is not used for the new table.
    ok(srv, "DeleteTable", {"TableName": t})
    u.wait_gone(ddb, t)
    create([srv], range_table_req(t, sk_type="S"))
    rkey = {"pk": S("k0"), "sk": S("s")}
    assert ok(srv, "GetItem", {"TableName": t, "Key": rkey}).json() == {}
    r = call(srv, "GetItem", get)  # the old key shape is now wrong
    assert r.status == 400 and r.json()["__type"] == u.T_VALIDATION, r
    ok(srv, "PutItem", {"TableName": t, "Item": dict(rkey, v=S("newer"))})
    for _ in range(2):
        assert ok(srv, "GetItem", {"TableName": t, "Key": rkey}).json() == {
            "Item": {"pk": S("k0"), "sk": S("s"), "v": S("newer")}}
        assert ok(srv, "Query", query).json()["Items"] == [
            {"pk": S("k0"), "sk": S("s"), "v": S("newer")}]


def test_coherent_mode_rereads_pages_a_write_made_stale(server_factory):
    srv = server_factory()
    t = u.unique_name("coh")
    create([srv], range_table_req(t, gsi=True))
    for p in ("a", "b"):
        ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S(p), "sk": N(1), "g": S("x")}})
    qa = {"TableName": t, "KeyConditionExpression": "pk = :p",
          "ExpressionAttributeValues": {":p": S("a")}}
    qg = {"TableName": t, "IndexName": "gsi", "KeyConditionExpression": "g = :g",
          "ExpressionAttributeValues": {":g": S("x")}}
    scan = {"TableName": t}
    for op, payload in (("Query", qa), ("Query", qg), ("Scan", scan)):
        ok(srv, op, payload)
        ok(srv, op, payload)
    # A write to partition b: Query of partition a still a hit; Scan and index Query re-read.
    ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("b"), "sk": N(2), "g": S("x")}})
    m0 = metrics(srv)
    assert ok(srv, "Query", qa).json()["Count"] == 1
    m1 = metrics(srv)
    assert moved(m0, m1) == {"QueryCacheHits": 1}
    assert ok(srv, "Query", qg).json()["Count"] == 3
    assert ok(srv, "Scan", scan).json()["Count"] == 3
    m2 = metrics(srv)
    assert moved(m1, m2) == {"QueryCacheMisses": 1, "ScanCacheMisses": 1}
    # A write to partition a: its Query re-reads.
    ok(srv, "UpdateItem", {"TableName": t, "Key": {"pk": S("a"), "sk": N(1)},
                           "UpdateExpression": "SET v = :v",
                           "ExpressionAttributeValues": {":v": S("new")}})
    assert ok(srv, "Query", qa).json()["Items"] == [
        {"pk": S("a"), "sk": N(1), "g": S("x"), "v": S("new")}]
    assert moved(m2, metrics(srv)) == {"QueryCacheMisses": 1}


def test_dax_mode_keeps_pages_until_their_ttl(server_factory):
    srv = server_factory(extra_args=["--cache-mode", "dax"])
    t = u.unique_name("dax")
    create([srv], range_table_req(t))
    ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("a"), "sk": N(1)}})
    q = {"TableName": t, "KeyConditionExpression": "pk = :p",
         "ExpressionAttributeValues": {":p": S("a")}}
    first = ok(srv, "Query", q)
    ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("a"), "sk": N(2)}})
    m0 = metrics(srv)
    assert ok(srv, "Query", q).body == first.body  # the page read before the write
    assert moved(m0, metrics(srv)) == {"QueryCacheHits": 1}
    # The item cache is written through in every mode.
    assert ok(srv, "GetItem", {"TableName": t, "Key": {"pk": S("a"), "sk": N(2)}}).json() == {
        "Item": {"pk": S("a"), "sk": N(2)}}
    # A strongly consistent Query sees the write.
    assert ok(srv, "Query", dict(q, ConsistentRead=True)).json()["Count"] == 2
    # The table deleted and created again: its pages are gone, even in dax mode.
    scan = ok(srv, "Scan", {"TableName": t})
    assert ok(srv, "Scan", {"TableName": t}).body == scan.body
    ok(srv, "DeleteTable", {"TableName": t})
    u.wait_gone(u.make_client(srv.endpoint), t)
    create([srv], range_table_req(t))
    assert ok(srv, "Query", q).json() == {"Count": 0, "Items": [], "ScannedCount": 0}
    assert ok(srv, "Scan", {"TableName": t}).json() == {"Count": 0, "Items": [],
                                                       "ScannedCount": 0}


def test_dax_mode_pages_expire_with_the_query_ttl(server_factory):
    srv = server_factory(extra_args=["--cache-mode", "dax", "--cache-query-ttl-ms", "300"])
    t = u.unique_name("daxttl")
    create([srv], range_table_req(t))
    ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("a"), "sk": N(1)}})
    q = {"TableName": t, "KeyConditionExpression": "pk = :p",
         "ExpressionAttributeValues": {":p": S("a")}}
    ok(srv, "Query", q)
    ok(srv, "Scan", {"TableName": t})
    ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("a"), "sk": N(2)}})
    time.sleep(0.5)
    m0 = metrics(srv)
    assert ok(srv, "Query", q).json()["Count"] == 2
    assert ok(srv, "Scan", {"TableName": t}).json()["Count"] == 2
    assert moved(m0, metrics(srv)) == {"QueryCacheMisses": 1, "ScanCacheMisses": 1}


def test_pipelined_reads_behind_writes_see_the_writes(server_factory):
    """Hits are answered at once, but never ahead of a write pipelined before them on the same
    connection: every answer is the one the cache-off server gives to the same pipeline."""
    off, on = cache_pair(server_factory)
    t = u.unique_name("pipe")
    create([off, on], range_table_req(t))
    pad = S("p" * 300_000)  # slow writes
    get = {"TableName": t, "Key": {"pk": S("a"), "sk": N(1)}}
    query = {"TableName": t, "KeyConditionExpression": "pk = :p",
             "ExpressionAttributeValues": {":p": S("a")}, "ProjectionExpression": "sk, v"}
    scan = {"TableName": t, "ProjectionExpression": "pk, sk, v"}
    setup = [("PutItem", {"TableName": t, "Item": {"pk": S("a"), "sk": N(1), "v": N(0)}})]
    reads = [("GetItem", get), ("Query", query), ("Scan", scan)]
    pipeline = []
    for i in range(1, 6):
        pipeline += [("PutItem", {"TableName": t, "Item": {"pk": S("a"), "sk": N(1), "v": N(i),
                                                           "pad": pad}})] + reads
        pipeline += [("UpdateItem", dict(get, UpdateExpression="SET v = v + :one",
                                         ExpressionAttributeValues={":one": N(1)}))] + reads
        pipeline += [("PutItem", {"TableName": t, "Item": {"pk": S("a"), "sk": N(i + 1),
                                                           "pad": pad}})] + reads
        pipeline += [("DeleteItem", get)] + reads
    answers = []
    for srv in (off, on):
        for op, payload in setup:
            ok(srv, op, payload)
        for op, payload in reads * 2:  # cached on the cache-on server
            ok(srv, op, payload)
        s = u.connect(srv.port, timeout=30)
        try:
            raw = b"".join(u.raw_request_bytes(srv.port, op, payload)
                           for op, payload in pipeline)
            sender = threading.Thread(target=s.sendall, args=(raw,))
            sender.start()
            reader = u.HttpReader(s)
            answers.append([reader.read_response() for _ in pipeline])
            sender.join()
        finally:
            s.close()
    for (op, payload), expected, got in zip(pipeline, *answers):
        assert expected.status == 200, (op, expected)
        same("pipelined", op, {k: v for k, v in payload.items() if k != "Item"}, expected, got)


def test_concurrent_writers_leave_the_cache_agreeing_with_the_store(server_factory):
    """Writes and reads of the same few keys from many connections at once; afterwards every
    eventually consistent read (from the cache) equals the strongly consistent one (the store)."""
    srv = server_factory(threads=4)
    t = u.unique_name("race")
    create([srv], range_table_req(t))
    keys = [{"pk": S(p), "sk": N(k)} for p in ("a", "b") for k in range(3)]
    errors = []

    def worker(w):
        try:
            for i in range(60):
                key = keys[(w * 7 + i) % len(keys)]
                kind = (w + i) % 6
                if kind == 0:
                    r = call(srv, "PutItem", {"TableName": t, "Item": dict(key, v=N(w * 1000 + i))})
                elif kind == 1:
                    r = call(srv, "UpdateItem", {"TableName": t, "Key": key,
                                                 "UpdateExpression": "ADD c :one SET w = :w",
                                                 "ExpressionAttributeValues": {
                                                     ":one": N(1), ":w": N(w)}})
                elif kind == 2:
                    r = call(srv, "DeleteItem", {"TableName": t, "Key": key})
                elif kind == 3:
                    r = call(srv, "BatchWriteItem", {"RequestItems": {t: [
                        {"PutRequest": {"Item": dict(key, v=N(-i))}}]}})
                elif kind == 4:
                    r = call(srv, "GetItem", {"TableName": t, "Key": key})
                else:
                    r = call(srv, "Query", {"TableName": t, "KeyConditionExpression": "pk = :p",
                                            "ExpressionAttributeValues": {":p": key["pk"]}})
                if r.status != 200:
                    errors.append(r)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[:3]
    for key in keys:
        get = {"TableName": t, "Key": key}
        truth = ok(srv, "GetItem", dict(get, ConsistentRead=True)).json()
        for _ in range(2):
            assert ok(srv, "GetItem", get).json() == truth, key
        assert ok(srv, "BatchGetItem", {"RequestItems": {t: {"Keys": [key]}}}).json()[
            "Responses"][t] == ([truth["Item"]] if truth else [])
    for p in ("a", "b"):
        q = {"TableName": t, "KeyConditionExpression": "pk = :p",
             "ExpressionAttributeValues": {":p": S(p)}}
        truth = ok(srv, "Query", dict(q, ConsistentRead=True)).body
        for _ in range(2):
            assert ok(srv, "Query", q).body == truth, p
    truth = ok(srv, "Scan", {"TableName": t, "ConsistentRead": True}).body
    assert ok(srv, "Scan", {"TableName": t}).body == truth


def test_replayed_transaction_does_not_write_through_again(server_factory):
    """A TransactWriteItems replayed with its ClientRequestToken succeeds without writing
    again; the cache must not store the replay's items either."""
    off, on = cache_pair(server_factory)
    t = u.unique_name("token")
    create([off, on], hash_table_req(t))
    key = {"pk": S("k")}
    tx = {"ClientRequestToken": "token-1", "TransactItems": [
        {"Put": {"TableName": t, "Item": dict(key, v=S("from the transaction"))}},
        {"Delete": {"TableName": t, "Key": {"pk": S("gone")}}},
        {"Update": {"TableName": t, "Key": {"pk": S("u")}, "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": N(1)}}}]}
    steps = [
        ("PutItem", {"TableName": t, "Item": {"pk": S("gone"), "v": S("here")}}),
        ("TransactWriteItems", tx),
        ("PutItem", {"TableName": t, "Item": dict(key, v=S("written after"))}),
        ("PutItem", {"TableName": t, "Item": {"pk": S("gone"), "v": S("back")}}),
        ("UpdateItem", {"TableName": t, "Key": {"pk": S("u")}, "UpdateExpression": "SET n = :z",
                        "ExpressionAttributeValues": {":z": N(10)}}),
        ("TransactWriteItems", tx),  # the replay: no write
    ]
    reads = [("GetItem", {"TableName": t, "Key": {"pk": S(k)}}) for k in ("k", "gone", "u")]
    for op, payload in steps:
        same("write", op, payload, ok(off, op, payload), ok(on, op, payload))
        for rop, rpayload in reads:
            expected = ok(off, rop, rpayload)
            for _ in range(2):
                same(f"after {op}", rop, rpayload, expected, call(on, rop, rpayload))
    assert ok(on, "GetItem", reads[0][1]).json()["Item"]["v"] == S("written after")


def test_keys_that_look_alike_are_different_items(server_factory):
    """Hash and range parts that could run together in a naive cache key stay apart."""
    srv = server_factory()
    t = u.unique_name("alike")
    create([srv], range_table_req(t, sk_type="S"))
    h = u.unique_name("alikeh")
    create([srv], hash_table_req(h))
    keys = []
    for d in ("", "\x00", "|", ":", "/", "#", "\x1f", "\n", "\"", "\\", " ", "\u00e9", ".", ","):
        keys += [("a" + d, "b"), ("a", d + "b"), ("a" + d + "b", "c")] if d else [("a", "b")]
    keys = list(dict.fromkeys(keys))
    for i, (pk, sk) in enumerate(keys):
        ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S(pk), "sk": S(sk), "i": N(i)}})
        ok(srv, "PutItem", {"TableName": h, "Item": {"pk": S(json.dumps([pk, sk])), "i": N(i)}})
    for _ in range(2):
        for i, (pk, sk) in enumerate(keys):
            got = ok(srv, "GetItem", {"TableName": t, "Key": {"pk": S(pk), "sk": S(sk)}}).json()
            assert got == {"Item": {"pk": S(pk), "sk": S(sk), "i": N(i)}}, (pk, sk)
            got = ok(srv, "GetItem", {"TableName": h,
                                      "Key": {"pk": S(json.dumps([pk, sk]))}}).json()
            assert got["Item"]["i"] == N(i), (pk, sk)
            q = ok(srv, "Query", {"TableName": t, "KeyConditionExpression": "pk = :p",
                                  "ExpressionAttributeValues": {":p": S(pk)}}).json()
            assert sorted(int(x["i"]["N"]) for x in q["Items"]) == sorted(
                j for j, (p, _) in enumerate(keys) if p == pk), pk
    # A write to one partition is seen by the Query of that partition only, whatever its bytes.
    for i, (pk, sk) in enumerate(keys):
        ok(srv, "UpdateItem", {"TableName": t, "Key": {"pk": S(pk), "sk": S(sk)},
                               "UpdateExpression": "SET i = :i",
                               "ExpressionAttributeValues": {":i": N(i + 1000)}})
        q = ok(srv, "Query", {"TableName": t, "KeyConditionExpression": "pk = :p AND sk = :s",
                              "ExpressionAttributeValues": {":p": S(pk), ":s": S(sk)}}).json()
        assert q["Items"] == [{"pk": S(pk), "sk": S(sk), "i": N(i + 1000)}], (pk, sk)


def test_reads_right_after_each_write_see_it_under_load(server_factory):
    """Each writer owns one key: after every acknowledged write its eventually consistent
    GetItem and Query see that write, while other connections keep reading (and filling) the
    same keys."""
    srv = server_factory(threads=4)
    t = u.unique_name("ryw")
    create([srv], range_table_req(t))
    writers, rounds = 4, 40
    keys = [{"pk": S(f"p{w % 2}"), "sk": N(w)} for w in range(writers)]
    stop = threading.Event()
    errors = []

    def reader():
        try:
            while not stop.is_set():
                for key in keys:
                    call(srv, "GetItem", {"TableName": t, "Key": key})
                call(srv, "BatchGetItem", {"RequestItems": {t: {"Keys": keys}}})
                for p in ("p0", "p1"):
                    call(srv, "Query", {"TableName": t, "KeyConditionExpression": "pk = :p",
                                        "ExpressionAttributeValues": {":p": S(p)}})
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def writer(w):
        key = keys[w]
        get = {"TableName": t, "Key": key}
        q = {"TableName": t, "KeyConditionExpression": "pk = :p AND sk = :s",
             "ExpressionAttributeValues": {":p": key["pk"], ":s": key["sk"]}}
        try:
            for i in range(rounds):
                if i % 3 == 0:
                    ok(srv, "PutItem", {"TableName": t, "Item": dict(key, v=N(i))})
                    want = [dict(key, v=N(i))]
                elif i % 3 == 1:
                    ok(srv, "UpdateItem", dict(get, UpdateExpression="SET v = :v",
                                               ExpressionAttributeValues={":v": N(i)}))
                    want = [dict(key, v=N(i))]
                else:
                    ok(srv, "DeleteItem", get)
                    want = []
                got = ok(srv, "GetItem", get).json()
                if got != ({"Item": want[0]} if want else {}):
                    errors.append(f"writer {w} round {i}: GetItem answered {got}")
                got = ok(srv, "Query", q).json()["Items"]
                if got != want:
                    errors.append(f"writer {w} round {i}: Query answered {got}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for th in readers:
        th.start()
    ws = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for th in ws:
        th.start()
    for th in ws:
        th.join()
    stop.set()
    for th in readers:
        th.join()
    assert not errors, errors[:5]


def test_deleted_index_is_not_served_from_memory(server_factory):
    off, on = cache_pair(server_factory)
    t = u.unique_name("dropidx")
    create([off, on], range_table_req(t, gsi=True))
    for srv in (off, on):
        for k in range(4):
            ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("a"), "sk": N(k), "g": S("x")}})
    reads = [("Query", {"TableName": t, "IndexName": "gsi", "KeyConditionExpression": "g = :g",
                        "ExpressionAttributeValues": {":g": S("x")}}),
             ("Scan", {"TableName": t, "IndexName": "gsi"}),
             ("Query", {"TableName": t, "KeyConditionExpression": "pk = :p",
                        "ExpressionAttributeValues": {":p": S("a")}})]
    for op, payload in reads:
        expected = ok(off, op, payload)
        for _ in range(2):
            same("before", op, payload, expected, call(on, op, payload))
    for srv in (off, on):
        ok(srv, "UpdateTable", {"TableName": t, "GlobalSecondaryIndexUpdates": [
            {"Delete": {"IndexName": "gsi"}}]})
        desc = u.wait_active(u.make_client(srv.endpoint), t)
        assert "GlobalSecondaryIndexes" not in desc, desc
    for op, payload in reads:
        expected = call(off, op, payload)
        assert expected.status == (200 if "IndexName" not in payload else 400), expected
        for _ in range(2):
            same("after the index was deleted", op, payload, expected, call(on, op, payload))


# ---- 4. Metrics -----------------------------------------------------------------------------


def test_metrics_follow_hits_misses_requests_and_errors(server_factory):
    srv = server_factory()
    t = u.unique_name("met")
    create([srv], range_table_req(t))
    base = metrics(srv)
    assert base["GetItemRequestCount"] == 0
    gets = 0

    def get(key, **kw):
        nonlocal gets
        gets += 1
        return ok(srv, "GetItem", dict({"TableName": t, "Key": key}, **kw))

    k1, k2, k3 = ({"pk": S("a"), "sk": N(i)} for i in (1, 2, 3))
    m0 = metrics(srv)
    assert get(k1).json() == {}
    m1 = metrics(srv)
    assert moved(m0, m1) == {"ItemCacheMisses": 1}
    assert get(k1).json() == {}  # the negative entry
    m2 = metrics(srv)
    assert moved(m1, m2) == {"ItemCacheHits": 1}
    ok(srv, "PutItem", {"TableName": t, "Item": dict(k2, v=S("v"))})
    assert get(k2).json()["Item"]["v"] == S("v")  # written through
    m3 = metrics(srv)
    assert moved(m2, m3) == {"ItemCacheHits": 1}
    hits = 2

    # BatchGetItem counts keys: two cached, one not.
    ok(srv, "BatchGetItem", {"RequestItems": {t: {"Keys": [k1, k2, k3]}}})
    m4 = metrics(srv)
    assert moved(m3, m4) == {"ItemCacheHits": 2, "ItemCacheMisses": 1}

    # Strongly consistent reads bypass the cache: no hit.
    assert get(k2, ConsistentRead=True).json()["Item"]["v"] == S("v")
    ok(srv, "TransactGetItems", {"TransactItems": [{"Get": {"TableName": t, "Key": k2}}]})
    ok(srv, "BatchGetItem", {"RequestItems": {t: {"Keys": [k2], "ConsistentRead": True}}})
    m5 = metrics(srv)
    assert "ItemCacheHits" not in moved(m4, m5)

    q = {"TableName": t, "KeyConditionExpression": "pk = :p",
         "ExpressionAttributeValues": {":p": S("a")}}
    ok(srv, "Query", q)
    m6 = metrics(srv)
    assert moved(m5, m6) == {"QueryCacheMisses": 1}
    ok(srv, "Query", q)
    m7 = metrics(srv)
    assert moved(m6, m7) == {"QueryCacheHits": 1}
    ok(srv, "Query", dict(q, ConsistentRead=True))
    ok(srv, "Query", dict(q, ConsistentRead=True))
    m8 = metrics(srv)
    assert "QueryCacheHits" not in moved(m7, m8)
    ok(srv, "Scan", {"TableName": t})
    m9 = metrics(srv)
    assert moved(m8, m9) == {"ScanCacheMisses": 1}
    ok(srv, "Scan", {"TableName": t})
    m10 = metrics(srv)
    assert moved(m9, m10) == {"ScanCacheHits": 1}

    # A bad request: one more GetItem, and an error (4xx), not a fault (5xx).
    gets += 1
    r = call(srv, "GetItem", {"TableName": t, "Key": {"pk": S("a")}})  # sk missing
    assert r.status == 400 and r.json()["__type"] == u.T_VALIDATION, r
    m11 = metrics(srv)
    assert moved(m10, m11, ("ErrorRequestCount", "FaultRequestCount", "TotalRequestCount")) == {
        "ErrorRequestCount": 1, "TotalRequestCount": 1}
    assert m11["GetItemRequestCount"] - base["GetItemRequestCount"] == gets
    assert m11["PutItemRequestCount"] - base["PutItemRequestCount"] == 1
    assert m11["QueryRequestCount"] - base["QueryRequestCount"] == 4
    assert m11["ScanRequestCount"] - base["ScanRequestCount"] == 2
    assert m11["BatchGetItemRequestCount"] - base["BatchGetItemRequestCount"] == 2
    assert m11["TransactGetItemsRequestCount"] - base["TransactGetItemsRequestCount"] == 1
    assert m11["TotalRequestCount"] - base["TotalRequestCount"] == gets + 10
    assert m11["FaultRequestCount"] == 0

    # The latency histogram: GetItem answers from memory under cache="hit", the rest "miss".
    for cache, count in (("hit", hits), ("miss", gets - hits)):
        labels = f'operation="GetItem",cache="{cache}"'
        assert m11[f"RequestLatency_seconds_count{{{labels}}}"] == count, cache
        assert f"RequestLatency_seconds_sum{{{labels}}}" in m11
        buckets = [(k, v) for k, v in m11.items()
                   if k.startswith(f"RequestLatency_seconds_bucket{{{labels},le=")]
        assert buckets and buckets[-1][0].endswith('le="+Inf"}') and buckets[-1][1] == count
        values = [v for _, v in buckets]
        assert values == sorted(values), buckets
    assert 'RequestLatency_seconds_count{operation="Query",cache="hit"}' in m11
    assert 'RequestLatency_seconds_count{operation="Scan",cache="hit"}' in m11

    for name in ("EvictedSize", "EstimatedDbSize", "CachedEntryCount"):
        assert name in m11, name
    assert m11["CachedEntryCount"] > 0 and m11["EstimatedDbSize"] > 0


def test_client_connections_counts_open_connections(server_factory):
    srv = server_factory()
    t = u.unique_name("conn")
    create([srv], hash_table_req(t))
    sock = u.connect(srv.port)
    try:
        sock.sendall(u.raw_request_bytes(srv.port, "GetItem",
                                         {"TableName": t, "Key": {"pk": S("x")}}))
        assert u.HttpReader(sock).read_response().status == 200
        # This connection and the one asking for /metrics.
        assert metrics(srv)["ClientConnections"] >= 2
    finally:
        sock.close()
    deadline = time.monotonic() + 3
    while metrics(srv)["ClientConnections"] > 1:
        assert time.monotonic() < deadline, "ClientConnections did not go down after a close"
        time.sleep(0.02)
    assert metrics(srv)["ClientConnections"] >= 1


def test_update_table_drops_the_tables_items(server_factory):
    srv = server_factory()
    ddb = u.make_client(srv.endpoint)
    t = u.unique_name("updt")
    create([srv], hash_table_req(t))
    ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("x"), "v": N(1)}})
    get = {"TableName": t, "Key": {"pk": S("x")}}
    m0 = metrics(srv)
    ok(srv, "GetItem", get)
    m1 = metrics(srv)
    assert moved(m0, m1) == {"ItemCacheHits": 1}
    ok(srv, "UpdateTable", {"TableName": t, "BillingMode": "PROVISIONED", "ProvisionedThroughput":
                            {"ReadCapacityUnits": 3, "WriteCapacityUnits": 3}})
    u.wait_active(ddb, t)
    m2 = metrics(srv)
    assert ok(srv, "GetItem", get).json() == {"Item": {"pk": S("x"), "v": N(1)}}
    assert moved(m2, metrics(srv)) == {"ItemCacheMisses": 1}


# ---- 5. Settings ----------------------------------------------------------------------------


def test_item_and_query_ttls(server_factory):
    srv = server_factory(extra_args=["--cache-item-ttl-ms", "200",
                                     "--cache-query-ttl-ms", "200"])
    t = u.unique_name("ttl")
    create([srv], range_table_req(t))
    ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("a"), "sk": N(1)}})
    get = {"TableName": t, "Key": {"pk": S("a"), "sk": N(1)}}
    q = {"TableName": t, "KeyConditionExpression": "pk = :p",
         "ExpressionAttributeValues": {":p": S("a")}}
    m0 = metrics(srv)
    ok(srv, "GetItem", get)
    ok(srv, "Query", q)
    ok(srv, "Query", q)
    m1 = metrics(srv)
    assert moved(m0, m1) == {"ItemCacheHits": 1, "QueryCacheMisses": 1, "QueryCacheHits": 1}
    time.sleep(0.4)
    assert ok(srv, "GetItem", get).json() == {"Item": {"pk": S("a"), "sk": N(1)}}
    assert ok(srv, "Query", q).json()["Count"] == 1
    m2 = metrics(srv)
    assert moved(m1, m2) == {"ItemCacheMisses": 1, "QueryCacheMisses": 1}
    ok(srv, "GetItem", get)
    ok(srv, "Query", q)
    assert moved(m2, metrics(srv)) == {"ItemCacheHits": 1, "QueryCacheHits": 1}


def test_items_the_ttl_sweeper_deletes_leave_the_cache(server_factory):
    """Expired items stay readable until the sweeper deletes them (as in DynamoDB); once it has,
    neither the item cache nor a cached Query page still shows them."""
    srv = server_factory()
    t = u.unique_name("expiry")
    create([srv], range_table_req(t))
    ok(srv, "UpdateTimeToLive", {"TableName": t, "TimeToLiveSpecification":
                                 {"AttributeName": "exp", "Enabled": True}})
    past = str(int(time.time()) + 2)  # expires two seconds from now
    ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("a"), "sk": N(1), "exp": N(past)}})
    ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("a"), "sk": N(2)}})
    get = {"TableName": t, "Key": {"pk": S("a"), "sk": N(1)}}
    q = {"TableName": t, "KeyConditionExpression": "pk = :p",
         "ExpressionAttributeValues": {":p": S("a")}}
    assert "Item" in ok(srv, "GetItem", get).json()
    assert ok(srv, "Query", q).json()["Count"] == 2
    assert ok(srv, "Query", q).json()["Count"] == 2  # a hit
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        consistent = ok(srv, "GetItem", dict(get, ConsistentRead=True)).json()
        if "Item" not in consistent:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the sweeper did not delete the expired item within 15 s")
    assert ok(srv, "GetItem", get).json() == {}
    page = ok(srv, "Query", q).json()
    assert page["Count"] == 1
    assert page["Items"] == [{"pk": S("a"), "sk": N(2)}]


def test_zero_ttls_turn_entries_off(server_factory):
    srv = server_factory(extra_args=["--cache-negative-ttl-ms", "0",
                                     "--cache-query-ttl-ms", "0"])
    t = u.unique_name("zero")
    create([srv], hash_table_req(t))
    ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("here")}})
    m0 = metrics(srv)
    for _ in range(3):
        assert ok(srv, "GetItem", {"TableName": t, "Key": {"pk": S("gone")}}).json() == {}
        ok(srv, "Query", {"TableName": t, "KeyConditionExpression": "pk = :p",
                          "ExpressionAttributeValues": {":p": S("here")}})
        ok(srv, "Scan", {"TableName": t})
    d = moved(m0, metrics(srv))
    assert d.get("ItemCacheHits", 0) == 0 and d.get("QueryCacheHits", 0) == 0, d
    assert d.get("ScanCacheHits", 0) == 0 and d.get("ItemCacheMisses") == 3, d
    m1 = metrics(srv)
    ok(srv, "GetItem", {"TableName": t, "Key": {"pk": S("here")}})  # items still cached
    assert moved(m1, metrics(srv)) == {"ItemCacheHits": 1}


def test_per_table_overrides_from_the_config_file(server_factory, tmp_path):
    off_t, ttl_t, on_t = u.unique_name("off"), u.unique_name("nottl"), u.unique_name("on")
    config = tmp_path / "ddbx.toml"
    config.write_text(f'[cache.tables."{off_t}"]\nenabled = false\n\n'
                      f'[cache.tables."{ttl_t}"]\nitem_ttl_ms = 0\nnegative_ttl_ms = 0\n')
    srv = server_factory(config=config)
    for t in (off_t, ttl_t, on_t):
        create([srv], hash_table_req(t))
        ok(srv, "PutItem", {"TableName": t, "Item": {"pk": S("k"), "v": S(t)}})

    def reads(t):
        for _ in range(3):
            assert ok(srv, "GetItem", {"TableName": t, "Key": {"pk": S("k")}}).json() == {
                "Item": {"pk": S("k"), "v": S(t)}}
            assert ok(srv, "GetItem", {"TableName": t, "Key": {"pk": S("no")}}).json() == {}
            ok(srv, "BatchGetItem", {"RequestItems": {t: {"Keys": [{"pk": S("k")}]}}})
            assert ok(srv, "Query", {"TableName": t, "KeyConditionExpression": "pk = :p",
                                     "ExpressionAttributeValues": {":p": S("k")}}
                      ).json()["Count"] == 1
            assert ok(srv, "Scan", {"TableName": t}).json()["Count"] == 1

    m0 = metrics(srv)
    reads(off_t)
    m1 = metrics(srv)
    d = moved(m0, m1)
    assert not any(k.endswith("Hits") for k in d), d
    reads(ttl_t)  # items never cached, query pages are
    m2 = metrics(srv)
    d = moved(m1, m2)
    assert "ItemCacheHits" not in d and d["QueryCacheHits"] == 2 and d["ScanCacheHits"] == 2, d
    reads(on_t)
    d = moved(m2, metrics(srv))
    # 3 x (GetItem, BatchGetItem) of the item written through, 2 of the negative entry.
    assert d["ItemCacheHits"] == 8 and d["QueryCacheHits"] == 2 and d["ScanCacheHits"] == 2, d


def test_byte_limit_is_honoured(server_factory):
    limit = 1048576
    srv = server_factory(extra_args=["--cache-max-bytes", str(limit)])
    t = u.unique_name("big")
    create([srv], hash_table_req(t))
    n = 800
    items = [u.sized_item({"pk": S(f"k{i:04d}")}, 2000) for i in range(n)]
    for i in range(0, n, 25):
        r = ok(srv, "BatchWriteItem", {"RequestItems": {
            t: [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]}})
        assert r.json() == {"UnprocessedItems": {}}
        assert metrics(srv)["EstimatedDbSize"] <= limit
    for i in range(0, n, 100):
        r = ok(srv, "BatchGetItem", {"RequestItems": {
            t: {"Keys": [{"pk": it["pk"]} for it in items[i:i + 100]]}}})
        got = r.json()["Responses"][t]
        assert sorted(x["pk"]["S"] for x in got) == [it["pk"]["S"] for it in items[i:i + 100]]
        m = metrics(srv)
        assert m["EstimatedDbSize"] <= limit, m["EstimatedDbSize"]
    m = metrics(srv)
    assert m["EvictedSize"] > 0
    assert 0 < m["CachedEntryCount"] < n
    assert m["CacheMaxBytes"] == limit
    for i in (0, 399, 799):  # evicted or not, the answers are right
        assert ok(srv, "GetItem", {"TableName": t, "Key": {"pk": items[i]["pk"]}}).json() == {
            "Item": items[i]}
    # Entries too big for the limit's shares are answered right too, every time.
    huge = u.sized_item({"pk": S("huge")}, 300_000)
    ok(srv, "PutItem", {"TableName": t, "Item": huge})
    truth = ok(srv, "Scan", {"TableName": t, "Limit": 400, "ConsistentRead": True}).body
    assert len(truth) > 700_000 and b"LastEvaluatedKey" in truth
    for _ in range(2):
        assert ok(srv, "GetItem", {"TableName": t, "Key": {"pk": S("huge")}}).json() == {
            "Item": huge}
        assert ok(srv, "Scan", {"TableName": t, "Limit": 400}).body == truth
    assert metrics(srv)["EstimatedDbSize"] <= limit


@pytest.mark.parametrize("args, setting", [
    (["--cache-mode", "foo"], "cache.mode"),
    (["--cache-max-bytes", "5"], "cache.max_bytes"),
    (["--cache-item-ttl-ms", "-1"], "cache.item_ttl_ms"),
    (["--cache-query-ttl-ms", "soon"], "cache.query_ttl_ms"),
    (["--cache-negative-ttl-ms", "1.5"], "cache.negative_ttl_ms"),
    (["--cache=maybe"], "cache.enabled"),
])
def test_bad_settings_exit_2_naming_the_setting(ddbx_binary, tmp_path, args, setting):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DDBX_")}
    p = subprocess.run([str(ddbx_binary), "serve", "--listen", f"127.0.0.1:{u.free_port()}",
                        "--in-memory", *args], capture_output=True, text=True, timeout=10,
                       env=env, cwd=str(tmp_path), stdin=subprocess.DEVNULL)
    assert p.returncode == 2, (args, p.returncode, p.stdout, p.stderr)
    assert setting in p.stderr, (args, p.stderr)


@pytest.mark.parametrize("body, setting", [
    ('[cache.tables."T"]\nenabled = "x"\n', "cache.tables.T.enabled"),
    ('[cache.tables."T"]\nitem_ttl_ms = -5\n', "cache.tables.T.item_ttl_ms"),
    ('[cache.tables."T"]\nitem_ttl = 5\n', "item_ttl"),
    ('[cache]\nmode = "lru"\n', "cache.mode"),
])
def test_bad_config_file_exits_2_naming_the_setting(ddbx_binary, tmp_path, body, setting):
    config = tmp_path / "bad.toml"
    config.write_text(body)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DDBX_")}
    p = subprocess.run([str(ddbx_binary), "serve", "--listen", f"127.0.0.1:{u.free_port()}",
                        "--in-memory", "--config", str(config)], capture_output=True, text=True,
                       timeout=10, env=env, cwd=str(tmp_path), stdin=subprocess.DEVNULL)
    assert p.returncode == 2, (body, p.returncode, p.stdout, p.stderr)
    assert setting in p.stderr, (body, p.stderr)
