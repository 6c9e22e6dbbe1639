"""BatchGetItem (up to 100 keys over any number of tables, per-table ProjectionExpression and
ConsistentRead, keys that do not exist simply absent) and BatchWriteItem (up to 25 puts and
deletes over any number of tables), with their errors.

Messages and behaviours: dynalite test/batchGetItem.js and batchWriteItem.js (architect/
dynalite, checked against live DynamoDB): the 100-key and 25-request limits, duplicate keys,
missing tables, empty Responses lists, UnprocessedItems {} and UnprocessedKeys {}.
"""

import re


import ddbx_util as u


def S(x):
    return {"S": x}


def N(x):
    return {"N": str(x)}


def _by_pk(items):
    return sorted(items, key=lambda it: (it.get("pk", {}).get("S", ""),
                                         it.get("sk", {}).get("S", "")))


# ---- BatchGetItem ---------------------------------------------------------------------------


def test_batch_get_across_tables(ddb, hash_table, range_table):
    h = [{"pk": S(f"h{i}"), "v": N(i), "m": {"M": {"x": N(i), "y": S("y")}}} for i in range(5)]
    r = [{"pk": S("r"), "sk": S(f"s{i}"), "v": N(i)} for i in range(3)]
    for item in h:
        ddb.put_item(TableName=hash_table, Item=item)
    for item in r:
        ddb.put_item(TableName=range_table, Item=item)
    resp = ddb.batch_get_item(RequestItems={
        hash_table: {"Keys": [{"pk": S("h1")}, {"pk": S("nope")}, {"pk": S("h3")}],
                     "ConsistentRead": True},
        range_table: {"Keys": [{"pk": S("r"), "sk": S("s0")}, {"pk": S("r"), "sk": S("s2")},
                               {"pk": S("x"), "sk": S("s0")}]},
    })
    assert _by_pk(resp["Responses"][hash_table]) == [h[1], h[3]]
    assert _by_pk(resp["Responses"][range_table]) == [r[0], r[2]]
    assert resp["UnprocessedKeys"] == {}
    assert "ConsumedCapacity" not in resp


def test_batch_get_nothing_found(port, hash_table, range_table):
    body = {"RequestItems": {hash_table: {"Keys": [{"pk": S("nope")}]},
                             range_table: {"Keys": [{"pk": S("a"), "sk": S("b")}]}}}
    r = u.call(port, "BatchGetItem", body)
    assert r.status == 200, r
    assert r.json() == {"Responses": {hash_table: [], range_table: []}, "UnprocessedKeys": {}}


def test_batch_get_one_hundred_keys(ddb, hash_table, range_table):
    for i in range(0, 120, 2):
        ddb.put_item(TableName=hash_table, Item={"pk": S(f"k{i:03d}"), "v": N(i)})
    keys = [{"pk": S(f"k{i:03d}")} for i in range(100)]
    resp = ddb.batch_get_item(RequestItems={hash_table: {"Keys": keys}})
    got = resp["Responses"][hash_table]
    assert _by_pk(got) == [{"pk": S(f"k{i:03d}"), "v": N(i)} for i in range(0, 100, 2)]
    assert resp["UnprocessedKeys"] == {}
    # 100 over two tables is fine too.
    resp = ddb.batch_get_item(RequestItems={
        hash_table: {"Keys": keys[:60]},
        range_table: {"Keys": [{"pk": S("a"), "sk": S(str(i))} for i in range(40)]}})
    assert len(resp["Responses"][hash_table]) == 30
    assert resp["Responses"][range_table] == []


def test_batch_get_projection_per_table(ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "name": S("n"), "m": {"M": {
        "x": N(1), "y": N(2)}}, "other": S("o")})
    ddb.put_item(TableName=range_table, Item={"pk": S("a"), "sk": S("b"), "v": N(1),
                                              "w": N(2)})
    ddb.put_item(TableName=hash_table, Item={"pk": S("b"), "unrelated": S("u")})
    resp = ddb.batch_get_item(RequestItems={
        hash_table: {"Keys": [{"pk": S("a")}, {"pk": S("b")}],
                     "ProjectionExpression": "#n, m.y",
                     "ExpressionAttributeNames": {"#n": "name"}, "ConsistentRead": True},
        range_table: {"Keys": [{"pk": S("a"), "sk": S("b")}], "ProjectionExpression": "sk, w"},
    })
    got = sorted(resp["Responses"][hash_table], key=len, reverse=True)
    assert got == [{"name": S("n"), "m": {"M": {"y": N(2)}}}, {}]
    assert resp["Responses"][range_table] == [{"sk": S("b"), "w": N(2)}]


def test_batch_get_attributes_to_get(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "b": S("b"), "c": S("c")})
    resp = ddb.batch_get_item(RequestItems={hash_table: {"Keys": [{"pk": S("a")}],
                                                         "AttributesToGet": ["c", "pk"]}})
    assert resp["Responses"][hash_table] == [{"pk": S("a"), "c": S("c")}]


def test_batch_get_errors(port, hash_table, range_table):
    def call(request_items, **extra):
        return u.call(port, "BatchGetItem", dict({"RequestItems": request_items}, **extra))

    key = {"pk": S("dup")}
    u.expect_validation(call({hash_table: {"Keys": [key, {"pk": S("x")}, key]}}),
                        "Provided list of item keys contains duplicates")
    u.expect_validation(call({hash_table: {"Keys": [{"pk": S(str(i))} for i in range(101)]}}),
                        re.compile(r"1 validation error detected: Value '\[.+\]' at "
                                   r"'requestItems\..+\.member\.keys' failed to satisfy "
                                   r"constraint: Member must have length less than or equal "
                                   r"to 100", re.S))
    u.expect_validation(call({hash_table: {"Keys": [{"pk": S(str(i))} for i in range(60)]},
                              range_table: {"Keys": [{"pk": S(str(i)), "sk": S("s")}
                                                     for i in range(41)]}}),
                        "Too many items requested for the BatchGetItem call")
    u.expect_validation(call({}), "1 validation error detected: Value '{}' at 'requestItems' "
                                  "failed to satisfy constraint: Member must have length greater "
                                  "than or equal to 1")
    u.expect_validation(call({hash_table: {"Keys": [{"pk": N(1)}]}}),
                        "The provided key element does not match the schema")
    u.expect_validation(call({range_table: {"Keys": [{"pk": S("a")}]}}),
                        "The provided key element does not match the schema")
    u.expect_validation(call({hash_table: {"Keys": [{"pk": S("a")}],
                                           "AttributesToGet": ["a", "a"]}}),
                        "One or more parameter values were invalid: Duplicate value in attribute "
                        "name: a")
    u.expect_validation(call({hash_table: {"Keys": [{"pk": S("a")}],
                                           "ProjectionExpression": "a, a"}}),
                        "Invalid ProjectionExpression: Two document paths overlap with each "
                        "other; must remove or rewrite one of these paths; path one: [a], "
                        "path two: [a]")
    missing = u.unique_name("missing")
    u.expect_error(call({missing: {"Keys": [{"pk": S("a")}]}, hash_table: {"Keys": [key]}}),
                   u.T_NOT_FOUND, "Requested resource not found")


def test_batch_get_through_boto3_errors(ddb, hash_table):
    assert u.failure(ddb.batch_get_item, RequestItems={
        hash_table: {"Keys": [{"pk": S("a")}, {"pk": S("a")}]}}) == (
        "ValidationException", "Provided list of item keys contains duplicates", 400)


# ---- BatchWriteItem -------------------------------------------------------------------------


def test_batch_write_puts_and_deletes_across_tables(port, ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("old"), "v": N(0)})
    ddb.put_item(TableName=range_table, Item={"pk": S("r"), "sk": S("old")})
    body = {"RequestItems": {
        hash_table: [{"PutRequest": {"Item": {"pk": S("new"), "v": N(1)}}},
                     {"DeleteRequest": {"Key": {"pk": S("old")}}},
                     {"DeleteRequest": {"Key": {"pk": S("never-there")}}}],
        range_table: [{"DeleteRequest": {"Key": {"pk": S("r"), "sk": S("old")}}},
                      {"PutRequest": {"Item": {"pk": S("r"), "sk": S("new"),
                                               "b": {"B": u.b64(b"\x00\x01")}}}}],
    }}
    r = u.call(port, "BatchWriteItem", body)
    assert (r.status, r.json()) == (200, {"UnprocessedItems": {}}), r
    assert ddb.scan(TableName=hash_table)["Items"] == [{"pk": S("new"), "v": N(1)}]
    assert ddb.scan(TableName=range_table)["Items"] == [
        {"pk": S("r"), "sk": S("new"), "b": {"B": b"\x00\x01"}}]


def test_batch_write_put_replaces_whole_items(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "old": S("x")})
    resp = ddb.batch_write_item(RequestItems={hash_table: [
        {"PutRequest": {"Item": {"pk": S("a"), "new": S("y")}}}]})
    assert resp["UnprocessedItems"] == {}
    assert ddb.get_item(TableName=hash_table, Key={"pk": S("a")})["Item"] == {
        "pk": S("a"), "new": S("y")}


def test_batch_write_twenty_five_requests(ddb, hash_table):
    for i in range(0, 25, 2):
        ddb.put_item(TableName=hash_table, Item={"pk": S(f"k{i:02d}")})
    requests = [{"DeleteRequest": {"Key": {"pk": S(f"k{i:02d}")}}} if i % 2 == 0 else
                {"PutRequest": {"Item": {"pk": S(f"k{i:02d}"), "v": N(i)}}} for i in range(25)]
    assert ddb.batch_write_item(RequestItems={hash_table: requests})["UnprocessedItems"] == {}
    got = _by_pk(ddb.scan(TableName=hash_table)["Items"])
    assert got == [{"pk": S(f"k{i:02d}"), "v": N(i)} for i in range(1, 25, 2)]


def test_batch_write_errors(port, hash_table, range_table):
    def call(request_items):
        return u.call(port, "BatchWriteItem", {"RequestItems": request_items})

    put = lambda pk, **a: {"PutRequest": {"Item": dict({"pk": S(pk)}, **a)}}  # noqa: E731
    delete = lambda pk: {"DeleteRequest": {"Key": {"pk": S(pk)}}}  # noqa: E731
    u.expect_validation(call({hash_table: [put(str(i)) for i in range(26)]}), re.compile(
        r"1 validation error detected: Value '\{.+\}' at 'requestItems' failed to satisfy "
        r"constraint: Map value must satisfy constraint: \[Member must have length less than "
        r"or equal to 25, Member must have length greater than or equal to 1\]", re.S))
    u.expect_validation(call({hash_table: [put("a"), delete("a")]}),
                        "Provided list of item keys contains duplicates")
    u.expect_validation(call({hash_table: [delete("a"), put("a")]}),
                        "Provided list of item keys contains duplicates")
    u.expect_validation(call({hash_table: [put("a", v=N(1)), put("b"), put("a", v=N(2))]}),
                        "Provided list of item keys contains duplicates")
    u.expect_validation(call({}), "1 validation error detected: Value '{}' at 'requestItems' "
                                  "failed to satisfy constraint: Member must have length greater "
                                  "than or equal to 1")
    u.expect_validation(call({hash_table: [{"PutRequest": {"Item": {"other": S("a")}}}]}),
                        "The provided key element does not match the schema")
    u.expect_validation(call({hash_table: [{"DeleteRequest": {"Key": {"pk": N(1)}}}]}),
                        "The provided key element does not match the schema")
    u.expect_validation(call({range_table: [put("a")]}),
                        "The provided key element does not match the schema")
    u.expect_validation(call({hash_table: [put("big", b=S("x" * 409600))]}),
                        "Item size has exceeded the maximum allowed size")
    u.expect_validation(call({hash_table: [put("a", v={"SS": ["x", "x"]})]}),
                        "One or more parameter values were invalid: Input collection [x, x] "
                        "contains duplicates.")
    u.expect_error(call({u.unique_name("missing"): [put("a")]}), u.T_NOT_FOUND,
                   "Requested resource not found")


def test_failed_batch_write_writes_nothing(ddb, hash_table):
    # The whole request is validated first: one bad request means no write at all.
    assert u.failure(ddb.batch_write_item, RequestItems={hash_table: [
        {"PutRequest": {"Item": {"pk": S("good")}}},
        {"PutRequest": {"Item": {"pk": N(1)}}}]})[0] == "ValidationException"
    assert "Item" not in ddb.get_item(TableName=hash_table, Key={"pk": S("good")},
                                      ConsistentRead=True)
