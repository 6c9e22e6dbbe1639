"""Scan: FilterExpression (key attributes allowed), ProjectionExpression, Select, Limit and
ExclusiveStartKey/LastEvaluatedKey paging (by hand and with boto3's paginator), the 1 MB page
cut before the filter, Count and ScannedCount, and parallel scans: Segment/TotalSegments split
the table so that the segments together return every item exactly once, whatever
TotalSegments is; and the segment and start-key errors.

Messages and behaviours: dynalite test/scan.js (architect/dynalite, checked against live
DynamoDB): Limit equal to the table size still returns a LastEvaluatedKey, a start key from
another segment is refused, and the Segment/TotalSegments texts. The Developer Guide
("Parallel scan"): TotalSegments is at most 1,000,000.
"""

import re

import pytest

import ddbx_util as u


def S(x):
    return {"S": x}


def N(x):
    return {"N": str(x)}


def _fill(ddb, table, n, **extra):
    items = [dict({"pk": S(f"item{i:03d}"), "v": N(i), "parity": S("even" if i % 2 == 0
                                                                  else "odd")}, **extra)
             for i in range(n)]
    for item in items:
        ddb.put_item(TableName=table, Item=item)
    return items


def _keyset(items):
    return sorted(it["pk"]["S"] + "|" + it.get("sk", {}).get("S", "") for it in items)


def _scan_all(ddb, **kwargs):
    items, pages, start = [], 0, None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        resp = ddb.scan(**kwargs, **extra)
        pages += 1
        assert resp["Count"] == len(resp.get("Items", [])) or "Items" not in resp
        items += resp.get("Items", [])
        start = resp.get("LastEvaluatedKey")
        if not start:
            return items, pages


def test_scan_returns_every_item(ddb, hash_table):
    items = _fill(ddb, hash_table, 40)
    for consistent in (False, True):
        resp = ddb.scan(TableName=hash_table, ConsistentRead=consistent)
        assert sorted(resp["Items"], key=lambda it: it["pk"]["S"]) == items
        assert resp["Count"] == resp["ScannedCount"] == 40
        assert "LastEvaluatedKey" not in resp


def test_empty_table(port, hash_table):
    r = u.call(port, "Scan", {"TableName": hash_table})
    assert (r.status, r.json()) == (200, {"Count": 0, "ScannedCount": 0, "Items": []})


def test_filter_projection_and_select(ddb, hash_table):
    items = _fill(ddb, hash_table, 20)
    resp = ddb.scan(TableName=hash_table, FilterExpression="parity = :p AND v >= :lo",
                    ExpressionAttributeValues={":p": S("odd"), ":lo": N(10)})
    assert sorted(resp["Items"], key=lambda it: it["pk"]["S"]) == [
        it for it in items if it["parity"] == S("odd") and int(it["v"]["N"]) >= 10]
    assert (resp["Count"], resp["ScannedCount"]) == (5, 20)
    # Unlike Query, a Scan filter may use the key.
    resp = ddb.scan(TableName=hash_table, FilterExpression="pk = :k OR begins_with(pk, :pre)",
                    ExpressionAttributeValues={":k": S("item000"), ":pre": S("item01")})
    assert _keyset(resp["Items"]) == _keyset(
        [it for it in items if it["pk"]["S"] == "item000" or it["pk"]["S"].startswith("item01")])
    resp = ddb.scan(TableName=hash_table, ProjectionExpression="#v",
                    ExpressionAttributeNames={"#v": "v"})
    assert sorted(int(it["v"]["N"]) for it in resp["Items"]) == list(range(20))
    assert all(set(it) == {"v"} for it in resp["Items"])
    resp = ddb.scan(TableName=hash_table, Select="COUNT", FilterExpression="parity = :p",
                    ExpressionAttributeValues={":p": S("even")})
    assert "Items" not in resp
    assert (resp["Count"], resp["ScannedCount"]) == (10, 20)


def test_limit_and_paging(ddb, range_table):
    items = []
    for p in range(5):
        for s in range(7):
            item = {"pk": S(f"p{p}"), "sk": S(f"s{s}"), "v": N(p * 10 + s)}
            ddb.put_item(TableName=range_table, Item=item)
            items.append(item)
    resp = ddb.scan(TableName=range_table, Limit=4)
    assert resp["Count"] == resp["ScannedCount"] == 4
    last = resp["Items"][-1]
    assert resp["LastEvaluatedKey"] == {"pk": last["pk"], "sk": last["sk"]}
    got, pages = _scan_all(ddb, TableName=range_table, Limit=4)
    assert _keyset(got) == _keyset(items) and len(got) == 35
    assert pages in (9, 10)
    # A filter applies after the limit: pages may be short or empty, ScannedCount is the Limit.
    resp = ddb.scan(TableName=range_table, Limit=6, FilterExpression="v = :v",
                    ExpressionAttributeValues={":v": N(-1)})
    assert (resp["Count"], resp["ScannedCount"], resp["Items"]) == (0, 6, [])
    assert "LastEvaluatedKey" in resp
    got, _ = _scan_all(ddb, TableName=range_table, Limit=6, FilterExpression="v < :v",
                       ExpressionAttributeValues={":v": N(13)})
    assert _keyset(got) == _keyset([it for it in items if int(it["v"]["N"]) < 13])
    # Limit equal to the table size still gives a key to go on from; one more does not
    # (dynalite scan.js "should not return LastEvaluatedKey if Limit is large").
    assert "LastEvaluatedKey" not in ddb.scan(TableName=range_table, Limit=36)
    paginator = ddb.get_paginator("scan")
    got = [it for page in paginator.paginate(TableName=range_table,
                                             PaginationConfig={"PageSize": 8})
           for it in page["Items"]]
    assert _keyset(got) == _keyset(items) and len(got) == 35


def test_start_key_is_exclusive(ddb, hash_table):
    _fill(ddb, hash_table, 10)
    first = ddb.scan(TableName=hash_table)["Items"]
    resp = ddb.scan(TableName=hash_table, ExclusiveStartKey={"pk": first[0]["pk"]})
    assert resp["Count"] == 9
    assert resp["Items"] == first[1:]


@pytest.mark.parametrize("total", [1, 2, 3, 4, 7, 16, 64])
def test_parallel_scan_covers_every_item_once(ddb, hash_table, total):
    items = _fill(ddb, hash_table, 150)
    seen = []
    for segment in range(total):
        got, _ = _scan_all(ddb, TableName=hash_table, Segment=segment, TotalSegments=total,
                           Limit=9)
        seen += got
    assert len(seen) == 150
    assert _keyset(seen) == _keyset(items)


def test_parallel_scan_of_a_composite_key_table(ddb, range_table):
    items = []
    for p in range(12):
        for s in range(6):
            item = {"pk": S(f"p{p}"), "sk": S(f"s{s}")}
            ddb.put_item(TableName=range_table, Item=item)
            items.append(item)
    for total in (2, 5):
        seen = []
        for segment in range(total):
            got, _ = _scan_all(ddb, TableName=range_table, Segment=segment,
                               TotalSegments=total, Limit=4)
            seen += got
        assert len(seen) == 72 and _keyset(seen) == _keyset(items)


def test_parallel_scan_with_filter_and_count(ddb, hash_table):
    _fill(ddb, hash_table, 60)
    count = scanned = 0
    for segment in range(3):
        resp = ddb.scan(TableName=hash_table, Segment=segment, TotalSegments=3, Select="COUNT",
                        FilterExpression="parity = :p",
                        ExpressionAttributeValues={":p": S("odd")})
        assert "LastEvaluatedKey" not in resp
        count, scanned = count + resp["Count"], scanned + resp["ScannedCount"]
    assert (count, scanned) == (30, 60)


def test_start_key_from_another_segment(port, ddb, hash_table):
    _fill(ddb, hash_table, 20)
    for segment in (0, 1):
        items = ddb.scan(TableName=hash_table, Segment=segment, TotalSegments=2)["Items"]
        if items:
            break
    other = 1 - segment
    r = u.call(port, "Scan", {"TableName": hash_table, "Segment": other, "TotalSegments": 2,
                              "ExclusiveStartKey": {"pk": items[0]["pk"]}})
    u.expect_validation(r, "The provided starting key is invalid: Invalid ExclusiveStartKey. "
                           "Please use ExclusiveStartKey with correct Segment. "
                           f"TotalSegments: 2 Segment: {other}")


def test_one_megabyte_page_with_a_filter_that_matches_nothing(ddb, hash_table):
    size = 100 * 1024
    items = [u.sized_item({"pk": S(f"big{i:02d}")}, size) for i in range(30)]
    for item in items:
        ddb.put_item(TableName=hash_table, Item=item)
    resp = ddb.scan(TableName=hash_table)
    assert 10 <= resp["Count"] <= 11 and "LastEvaluatedKey" in resp
    resp = ddb.scan(TableName=hash_table, FilterExpression="attribute_exists(nothing)")
    assert (resp["Count"], resp["Items"]) == (0, [])
    assert 10 <= resp["ScannedCount"] <= 11
    assert "LastEvaluatedKey" in resp
    scanned, pages, start = resp["ScannedCount"], 1, resp["LastEvaluatedKey"]
    while start:
        resp = ddb.scan(TableName=hash_table, FilterExpression="attribute_exists(nothing)",
                        ExclusiveStartKey=start)
        assert resp["Count"] == 0
        scanned, pages, start = (scanned + resp["ScannedCount"], pages + 1,
                                 resp.get("LastEvaluatedKey"))
    assert scanned == 30 and pages >= 3
    got, _ = _scan_all(ddb, TableName=hash_table)
    assert _keyset(got) == _keyset(items)


# ---- Errors ---------------------------------------------------------------------------------


def _raw(port, table, **body):
    return u.call(port, "Scan", dict({"TableName": table}, **body))


@pytest.mark.parametrize("body, message", [
    ({"Segment": 1}, "The TotalSegments parameter is required but was not present in the "
                     "request when Segment parameter is present"),
    ({"TotalSegments": 1}, "The Segment parameter is required but was not present in the "
                           "request when parameter TotalSegments is present"),
    ({"Segment": 1, "TotalSegments": 1},
     "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
     "Segment: 1 is not less than TotalSegments: 1"),
    ({"Segment": 7, "TotalSegments": 3},
     "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
     "Segment: 7 is not less than TotalSegments: 3"),
    ({"Segment": 0, "TotalSegments": 0},
     "1 validation error detected: Value '0' at 'totalSegments' failed to satisfy constraint: "
     "Member must have value greater than or equal to 1"),
    ({"Segment": 0, "TotalSegments": 1000001},
     "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy "
     "constraint: Member must have value less than or equal to 1000000"),
    ({"Segment": -1, "TotalSegments": 2},
     "1 validation error detected: Value '-1' at 'segment' failed to satisfy constraint: "
     "Member must have value greater than or equal to 0"),
    ({"Limit": 0}, "1 validation error detected: Value '0' at 'limit' failed to satisfy "
                   "constraint: Member must have value greater than or equal to 1"),
    ({"ExclusiveStartKey": {"other": S("a")}},
     "The provided starting key is invalid: The provided key element does not match the "
     "schema"),
    ({"ExclusiveStartKey": {"pk": N(1)}},
     "The provided starting key is invalid: The provided key element does not match the "
     "schema"),
    ({"ExclusiveStartKey": {"pk": S("a"), "sk": S("b")}},
     "The provided starting key is invalid: The provided key element does not match the "
     "schema"),
    ({"FilterExpression": ""}, "Invalid FilterExpression: The expression can not be empty;"),
    ({"FilterExpression": "a > b", "ProjectionExpression": ""},
     "Invalid ProjectionExpression: The expression can not be empty;"),
    ({"FilterExpression": "attribute_exists(pk.b)"},
     "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
     "allowed: Key: pk"),
    ({"FilterExpression": "attribute_exists(#a[0])", "ExpressionAttributeNames": {"#a": "pk"}},
     "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
     "allowed: Key: pk"),
    ({"FilterExpression": "a = :v", "ExpressionAttributeValues": {":v": S("a"), ":w": S("b")}},
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"),
    ({"ExpressionAttributeValues": {":v": S("a")}},
     "ExpressionAttributeValues can only be specified when using expressions: "
     "FilterExpression is null"),
    ({"ConditionalOperator": "AN"},
     "1 validation error detected: Value 'AN' at 'conditionalOperator' failed to satisfy "
     "constraint: Member must satisfy enum value set: [OR, AND]"),
    ({"IndexName": "nope"}, "The table does not have the specified index: nope"),
    ({"FilterExpression": "whatever((:things)) > a"},
     "Invalid FilterExpression: Invalid function name; function: whatever"),
    ({"FilterExpression": ":a < :b"},
     "Invalid FilterExpression: An expression attribute value used in expression is not "
     "defined; attribute value: :a"),
])
def test_scan_errors(port, hash_table, body, message):
    u.expect_validation(_raw(port, hash_table, **body), message)


@pytest.mark.parametrize("expr", ["a > 4", "attribute_exists(Pictures-RearView)", "a in b",
                                  "a in (b,c,)", "size(a).b > a", "b[:a] > a", "a > between"])
def test_filter_syntax_errors(port, hash_table, expr):
    u.expect_validation(_raw(port, hash_table, FilterExpression=expr),
                        re.compile(r"Invalid FilterExpression: Syntax error; .*", re.S))


def test_missing_table(port):
    u.expect_error(_raw(port, u.unique_name("missing")), u.T_NOT_FOUND,
                   "Requested resource not found")
