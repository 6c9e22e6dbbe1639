"""Query: KeyConditionExpression (= on the partition key; =, <, <=, >, >=, BETWEEN and
begins_with on S, N and B sort keys), FilterExpression, ProjectionExpression, Select,
ScanIndexForward, Limit, ExclusiveStartKey/LastEvaluatedKey paging (by hand and with boto3's
paginator), the 1 MB page that is cut before the filter runs, Count and ScannedCount, and the
key-condition errors.

Messages and behaviours: dynalite test/query.js and validations (architect/dynalite, checked
against live DynamoDB): ordering of S/N/B sort keys, LastEvaluatedKey with Limit and with Select
COUNT, the 1 MB cut (the item that crosses 1 MB is the last one returned), and every key
condition error text. The Developer Guide ("Query", "Paginating table query results"): the
1 MB limit applies to the data read, before FilterExpression.
"""

import re

import pytest

import ddbx_util as u


def S(x):
    return {"S": x}


def N(x):
    return {"N": str(x)}


def B(x):
    return {"B": x}


SKS = ["a", "aa", "ab", "b", "ba", "c"]


def _put_all(ddb, table, items):
    for item in items:
        ddb.put_item(TableName=table, Item=item)


@pytest.fixture
def str_table(ddb, range_table):
    items = [{"pk": S("p"), "sk": S(sk), "v": N(i), "tag": S("even" if i % 2 == 0 else "odd")}
             for i, sk in enumerate(SKS)]
    _put_all(ddb, range_table, items + [{"pk": S("q"), "sk": S("a"), "v": N(100)},
                                        {"pk": S("pp"), "sk": S("a"), "v": N(200)}])
    return range_table, items


def _query(ddb, table, kce, values=None, names=None, **kw):
    kwargs = dict(TableName=table, KeyConditionExpression=kce, **kw)
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    return ddb.query(**kwargs)


def _sks(resp):
    return [item["sk"] for item in resp["Items"]]


def test_partition_key_alone_returns_the_partition_in_order(ddb, str_table):
    table, items = str_table
    for consistent in (False, True):
        resp = _query(ddb, table, "pk = :p", {":p": S("p")}, ConsistentRead=consistent)
        assert resp["Items"] == items
        assert (resp["Count"], resp["ScannedCount"]) == (6, 6)
        assert "LastEvaluatedKey" not in resp


def test_raw_response_shape(port, str_table):
    table, items = str_table
    r = u.call(port, "Query", {"TableName": table, "KeyConditionExpression": "pk = :p",
                               "ExpressionAttributeValues": {":p": S("q")}})
    assert (r.status, r.json()) == (200, {"Count": 1, "ScannedCount": 1, "Items": [
        {"pk": S("q"), "sk": S("a"), "v": N(100)}]})
    r = u.call(port, "Query", {"TableName": table, "KeyConditionExpression": "pk = :p",
                               "ExpressionAttributeValues": {":p": S("nobody")}})
    assert (r.status, r.json()) == (200, {"Count": 0, "ScannedCount": 0, "Items": []})


@pytest.mark.parametrize("cond, values, expected", [
    ("sk = :v", {":v": S("ab")}, ["ab"]),
    ("sk = :v", {":v": S("zz")}, []),
    ("sk < :v", {":v": S("b")}, ["a", "aa", "ab"]),
    ("sk <= :v", {":v": S("b")}, ["a", "aa", "ab", "b"]),
    ("sk > :v", {":v": S("b")}, ["ba", "c"]),
    ("sk >= :v", {":v": S("b")}, ["b", "ba", "c"]),
    ("sk > :v", {":v": S("ab")}, ["b", "ba", "c"]),
    ("sk BETWEEN :lo AND :hi", {":lo": S("aa"), ":hi": S("b")}, ["aa", "ab", "b"]),
    ("sk between :lo and :hi", {":lo": S("a"), ":hi": S("a")}, ["a"]),
    ("sk BETWEEN :lo AND :hi", {":lo": S("ac"), ":hi": S("az")}, []),
    ("begins_with(sk, :v)", {":v": S("a")}, ["a", "aa", "ab"]),
    ("begins_with(sk, :v)", {":v": S("b")}, ["b", "ba"]),
    ("begins_with(sk, :v)", {":v": S("ca")}, []),
    (":v > sk", {":v": S("b")}, ["a", "aa", "ab"]),
    (":v <= sk", {":v": S("ba")}, ["ba", "c"]),
])
def test_sort_key_conditions_on_strings(ddb, str_table, cond, values, expected):
    table, _ = str_table
    resp = _query(ddb, table, "pk = :p AND " + cond, dict(values, **{":p": S("p")}))
    assert _sks(resp) == [S(x) for x in expected]
    assert resp["Count"] == resp["ScannedCount"] == len(expected)
    # The conditions in either order, and through placeholders for the names.
    resp = _query(ddb, table, cond.replace("sk", "#s") + " AND #p = :p",
                  dict(values, **{":p": S("p")}), {"#s": "sk", "#p": "pk"})
    assert _sks(resp) == [S(x) for x in expected]


NUMS = ["-10", "-1.5", "0", "2", "10", "100"]


@pytest.mark.parametrize("cond, values, expected", [
    ("sk < :v", {":v": N(10)}, ["-10", "-1.5", "0", "2"]),
    ("sk <= :v", {":v": N("1E1")}, ["-10", "-1.5", "0", "2", "10"]),
    ("sk > :v", {":v": N("-1.5")}, ["0", "2", "10", "100"]),
    ("sk >= :v", {":v": N("2.0")}, ["2", "10", "100"]),
    ("sk = :v", {":v": N("-1.50")}, ["-1.5"]),
    ("sk BETWEEN :lo AND :hi", {":lo": N("-1.5"), ":hi": N(10)}, ["-1.5", "0", "2", "10"]),
    ("sk BETWEEN :lo AND :hi", {":lo": N("0.5"), ":hi": N("1.5")}, []),
])
def test_sort_key_conditions_on_numbers(ddb, num_range_table, cond, values, expected):
    _put_all(ddb, num_range_table, [{"pk": S("p"), "sk": N(n)} for n in reversed(NUMS)])
    resp = _query(ddb, num_range_table, "pk = :p AND " + cond, dict(values, **{":p": S("p")}))
    assert _sks(resp) == [N(x) for x in expected]
    resp = _query(ddb, num_range_table, "pk = :p AND " + cond, dict(values, **{":p": S("p")}),
                  ScanIndexForward=False)
    assert _sks(resp) == [N(x) for x in reversed(expected)]


def test_numbers_sort_by_value_not_text(ddb, num_range_table):
    # dynalite "should return items in order for numbers".
    values = ["0", "99.1", "10.9", "10.1", "9.1", "9", "1.9", "1.1", "1", "0.9", "0.1", "0.09",
              "0.01", "-0.01", "-0.09", "-0.1", "-0.9", "-1", "-1.01", "-9", "-9.9", "-10.1",
              "-99.1"]
    _put_all(ddb, num_range_table, [{"pk": S("n"), "sk": N(x)} for x in values])
    resp = _query(ddb, num_range_table, "pk = :p", {":p": S("n")})
    assert _sks(resp) == [N(x) for x in sorted(values, key=float)]


BINS = [b"\x00", b"\x01", b"\x01\x02", b"\x7f", b"\x80", b"\xff", b"\xff\x00"]


@pytest.mark.parametrize("cond, values, expected", [
    (None, {}, BINS),
    ("begins_with(sk, :v)", {":v": B(b"\x01")}, [b"\x01", b"\x01\x02"]),
    ("begins_with(sk, :v)", {":v": B(b"\xff")}, [b"\xff", b"\xff\x00"]),
    ("sk > :v", {":v": B(b"\x7f")}, [b"\x80", b"\xff", b"\xff\x00"]),
    ("sk < :v", {":v": B(b"\x01\x02")}, [b"\x00", b"\x01"]),
    ("sk <= :v", {":v": B(b"\x01\x02")}, [b"\x00", b"\x01", b"\x01\x02"]),
    ("sk >= :v", {":v": B(b"\xff")}, [b"\xff", b"\xff\x00"]),
    ("sk = :v", {":v": B(b"\x80")}, [b"\x80"]),
    ("sk BETWEEN :lo AND :hi", {":lo": B(b"\x01"), ":hi": B(b"\x7f")},
     [b"\x01", b"\x01\x02", b"\x7f"]),
])
def test_sort_key_conditions_on_binaries(ddb, bin_range_table, cond, values, expected):
    pk = B(b"\x00\xfe")
    _put_all(ddb, bin_range_table, [{"pk": pk, "sk": B(x)} for x in reversed(BINS)])
    _put_all(ddb, bin_range_table, [{"pk": B(b"\x00\xff"), "sk": B(b"\x01")}])
    kce = "pk = :p" + (" AND " + cond if cond else "")
    resp = _query(ddb, bin_range_table, kce, dict(values, **{":p": pk}))
    assert _sks(resp) == [B(x) for x in expected]


def test_hash_only_table(ddb, hash_table):
    _put_all(ddb, hash_table, [{"pk": S(k), "v": S(k)} for k in ("a", "b", "c")])
    resp = _query(ddb, hash_table, "pk = :p", {":p": S("b")})
    assert resp["Items"] == [{"pk": S("b"), "v": S("b")}]
    assert _query(ddb, hash_table, "pk = :p", {":p": S("zz")})["Items"] == []


def test_scan_index_forward(ddb, str_table):
    table, items = str_table
    resp = _query(ddb, table, "pk = :p", {":p": S("p")}, ScanIndexForward=False)
    assert resp["Items"] == list(reversed(items))
    resp = _query(ddb, table, "pk = :p AND sk < :v", {":p": S("p"), ":v": S("b")},
                  ScanIndexForward=False)
    assert _sks(resp) == [S("ab"), S("aa"), S("a")]


def test_filter_counts(ddb, str_table):
    table, items = str_table
    resp = _query(ddb, table, "pk = :p", {":p": S("p"), ":t": S("even")},
                  FilterExpression="tag = :t")
    assert resp["Items"] == [it for it in items if it["tag"] == S("even")]
    assert (resp["Count"], resp["ScannedCount"]) == (3, 6)
    resp = _query(ddb, table, "pk = :p AND sk >= :s", {":p": S("p"), ":s": S("b"),
                                                        ":lo": N(4)},
                  FilterExpression="v >= :lo OR attribute_not_exists(tag)")
    assert _sks(resp) == [S("ba"), S("c")]
    assert (resp["Count"], resp["ScannedCount"]) == (2, 3)


def test_projection_and_select(ddb, str_table):
    table, items = str_table
    resp = _query(ddb, table, "pk = :p", {":p": S("p")}, ProjectionExpression="sk, #t",
                  ExpressionAttributeNames={"#t": "tag"})
    assert resp["Items"] == [{"sk": it["sk"], "tag": it["tag"]} for it in items]
    resp = _query(ddb, table, "pk = :p", {":p": S("p")}, ProjectionExpression="v",
                  Select="SPECIFIC_ATTRIBUTES")
    assert resp["Items"] == [{"v": it["v"]} for it in items]
    resp = _query(ddb, table, "pk = :p", {":p": S("p")}, ProjectionExpression="nothing")
    assert resp["Items"] == [{}] * 6
    resp = _query(ddb, table, "pk = :p", {":p": S("p")}, Select="ALL_ATTRIBUTES")
    assert resp["Items"] == items
    resp = _query(ddb, table, "pk = :p", {":p": S("p")}, Select="COUNT")
    assert "Items" not in resp
    assert (resp["Count"], resp["ScannedCount"]) == (6, 6)
    resp = _query(ddb, table, "pk = :p", {":p": S("p"), ":t": S("odd")}, Select="COUNT",
                  FilterExpression="tag = :t")
    assert "Items" not in resp
    assert (resp["Count"], resp["ScannedCount"]) == (3, 6)


def test_limit_and_exclusive_start_key(ddb, str_table):
    table, items = str_table
    resp = _query(ddb, table, "pk = :p", {":p": S("p")}, Limit=2)
    assert resp["Items"] == items[:2]
    assert resp["LastEvaluatedKey"] == {"pk": S("p"), "sk": S("aa")}
    resp = _query(ddb, table, "pk = :p", {":p": S("p")}, Limit=3,
                  ExclusiveStartKey=resp["LastEvaluatedKey"])
    assert resp["Items"] == items[2:5]
    assert resp["LastEvaluatedKey"] == {"pk": S("p"), "sk": S("ba")}
    resp = _query(ddb, table, "pk = :p", {":p": S("p")}, Limit=10,
                  ExclusiveStartKey=resp["LastEvaluatedKey"])
    assert resp["Items"] == items[5:]
    assert "LastEvaluatedKey" not in resp
    # Backwards, the start key is exclusive too.
    resp = _query(ddb, table, "pk = :p", {":p": S("p")}, ScanIndexForward=False, Limit=2,
                  ExclusiveStartKey={"pk": S("p"), "sk": S("b")})
    assert _sks(resp) == [S("ab"), S("aa")]
    assert resp["LastEvaluatedKey"] == {"pk": S("p"), "sk": S("aa")}
    # A start key that is not an item still positions the query.
    resp = _query(ddb, table, "pk = :p", {":p": S("p")},
                  ExclusiveStartKey={"pk": S("p"), "sk": S("ac")})
    assert _sks(resp) == [S("b"), S("ba"), S("c")]


def test_limit_counts_items_read_before_the_filter(ddb, str_table):
    table, items = str_table
    resp = _query(ddb, table, "pk = :p", {":p": S("p"), ":t": S("odd")}, Limit=3,
                  FilterExpression="tag = :t")
    assert resp["Items"] == [items[1]]
    assert (resp["Count"], resp["ScannedCount"]) == (1, 3)
    assert resp["LastEvaluatedKey"] == {"pk": S("p"), "sk": S("ab")}
    # Select COUNT pages the same way (dynalite "should return LastEvaluatedKey even if only
    # Count is selected").
    resp = _query(ddb, table, "pk = :p", {":p": S("p")}, Limit=2, Select="COUNT")
    assert (resp["Count"], resp["ScannedCount"]) == (2, 2)
    assert resp["LastEvaluatedKey"] == {"pk": S("p"), "sk": S("aa")}


def test_many_pages(ddb, range_table):
    items = [{"pk": S("many"), "sk": S(f"{i:04d}"), "v": N(i)} for i in range(250)]
    _put_all(ddb, range_table, items + [{"pk": S("other"), "sk": S("0001")}])
    got, pages, start = [], 0, None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        resp = _query(ddb, range_table, "pk = :p", {":p": S("many")}, Limit=7, **kwargs)
        pages += 1
        assert resp["Count"] == len(resp["Items"]) <= 7
        got += resp["Items"]
        start = resp.get("LastEvaluatedKey")
        if not start:
            break
        assert start == {"pk": S("many"), "sk": resp["Items"][-1]["sk"]}
    assert got == items
    assert pages in (36, 37)  # 250 = 35 * 7 + 5; a last empty page is allowed
    # boto3's paginator, backwards, with a filter.
    paginator = ddb.get_paginator("query")
    got = []
    for page in paginator.paginate(TableName=range_table, KeyConditionExpression="pk = :p",
                                   FilterExpression="v < :n",
                                   ExpressionAttributeValues={":p": S("many"), ":n": N(100)},
                                   ScanIndexForward=False, PaginationConfig={"PageSize": 30}):
        got += page["Items"]
    assert got == list(reversed(items[:100]))


def test_one_megabyte_page_is_cut_before_the_filter(ddb, range_table):
    size = 100 * 1024
    items = [u.sized_item({"pk": S("big"), "sk": S(f"{i:03d}")}, size) for i in range(30)]
    _put_all(ddb, range_table, items)
    resp = _query(ddb, range_table, "pk = :p", {":p": S("big")})
    n = resp["Count"]
    # 1 MB holds 10.24 of these items; the item that crosses 1 MB ends the page.
    assert 10 <= n <= 11, n
    assert resp["ScannedCount"] == n
    assert resp["Items"] == items[:n]
    assert resp["LastEvaluatedKey"] == {"pk": S("big"), "sk": items[n - 1]["sk"]}
    total, pages, start = n, 1, resp["LastEvaluatedKey"]
    while start:
        resp = _query(ddb, range_table, "pk = :p", {":p": S("big")}, ExclusiveStartKey=start)
        assert resp["Items"] == items[total:total + resp["Count"]]
        total, pages, start = total + resp["Count"], pages + 1, resp.get("LastEvaluatedKey")
    assert total == 30 and pages >= 3
    # A filter that matches nothing still stops at 1 MB of data read: no items, but a key to
    # go on from.
    resp = _query(ddb, range_table, "pk = :p", {":p": S("big")},
                  FilterExpression="attribute_exists(nothing)")
    assert resp["Items"] == [] and resp["Count"] == 0
    assert 10 <= resp["ScannedCount"] <= 11
    assert resp["LastEvaluatedKey"] == {"pk": S("big"), "sk": items[resp["ScannedCount"] - 1]["sk"]}
    # Select COUNT reads the same data.
    resp = _query(ddb, range_table, "pk = :p", {":p": S("big")}, Select="COUNT")
    assert 10 <= resp["Count"] <= 11 and "LastEvaluatedKey" in resp
    # A Limit below the 1 MB mark wins.
    resp = _query(ddb, range_table, "pk = :p", {":p": S("big")}, Limit=4)
    assert resp["Count"] == 4


# ---- Errors ---------------------------------------------------------------------------------


def _raw(port, table, kce=None, values=None, names=None, **extra):
    body = {"TableName": table}
    if kce is not None:
        body["KeyConditionExpression"] = kce
    if values is not None:
        body["ExpressionAttributeValues"] = values
    if names is not None:
        body["ExpressionAttributeNames"] = names
    body.update(extra)
    return u.call(port, "Query", body)


KCE = "Invalid KeyConditionExpression: "
VALS = {":p": S("p"), ":s": S("a"), ":t": S("b"), ":n": N(1)}


def _vals(expr):
    return {k: v for k, v in VALS.items() if re.search(re.escape(k) + r"\b", expr)}


@pytest.mark.parametrize("kce, message", [
    ("", KCE + "The expression can not be empty;"),
    ("sk = :s", "Query condition missed key schema element: pk"),
    ("v = :s", "Query condition missed key schema element: pk"),
    ("pk = :p AND v = :s", "Query condition missed key schema element: sk"),
    ("pk = :p OR sk = :s", "Invalid operator used in KeyConditionExpression: OR"),
    ("NOT pk = :p", "Invalid operator used in KeyConditionExpression: NOT"),
    ("pk <> :p", "Invalid operator used in KeyConditionExpression: <>"),
    ("pk IN (:p, :s)", "Invalid operator used in KeyConditionExpression: IN"),
    ("attribute_exists(pk)", "Invalid operator used in KeyConditionExpression: attribute_exists"),
    ("attribute_not_exists(pk)",
     "Invalid operator used in KeyConditionExpression: attribute_not_exists"),
    ("pk = :p AND contains(sk, :s)", "Invalid operator used in KeyConditionExpression: contains"),
    ("pk = :p AND size(sk) > :n", "KeyConditionExpressions cannot contain nested operations"),
    ("pk.x = :p", "KeyConditionExpressions cannot have conditions on nested attributes"),
    ("pk = :p AND sk[0] = :s",
     "KeyConditionExpressions cannot have conditions on nested attributes"),
    ("pk = sk", "Invalid condition in KeyConditionExpression: Multiple attribute names used in "
                "one condition"),
    ("pk = :p AND :s < :t", "Invalid condition in KeyConditionExpression: No key attribute "
                            "specified"),
    ("pk = :p AND pk = :s", "KeyConditionExpressions must only contain one condition per key"),
    ("pk = :p AND sk > :s AND sk < :t",
     "KeyConditionExpressions must only contain one condition per key"),
    ("pk = :p AND sk = :s AND v = :t", "Conditions can be of length 1 or 2 only"),
    ("pk = :p AND :s BETWEEN sk AND :t",
     "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key "
     "attribute as its first operand"),
    ("pk = :p AND begins_with(:s, sk)",
     "Invalid condition in KeyConditionExpression: begins_with operator must have the key "
     "attribute as its first operand"),
    ("pk = :p AND sk BETWEEN :t AND :s",
     KCE + "The BETWEEN operator requires upper bound to be greater than or equal to lower "
           "bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: "
           "AttributeValue: {S:a}"),
    ("pk = :p AND sk BETWEEN :n AND :s",
     KCE + "The BETWEEN operator requires same data type for lower and upper bounds; lower "
           "bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}"),
    ("pk = :n", "One or more parameter values were invalid: Condition parameter type does not "
                "match schema type"),
    ("pk = :p AND begins_with(sk, :n)",
     KCE + "Incorrect operand type for operator or function; operator or function: "
           "begins_with, operand type: N"),
    ("#k = :p", KCE + "An expression attribute name used in the document path is not defined; "
                      "attribute name: #k"),
    ("pk = :nope", KCE + "An expression attribute value used in expression is not defined; "
                         "attribute value: :nope"),
])
def test_key_condition_errors(port, range_table, kce, message):
    values = _vals(kce)
    u.expect_validation(_raw(port, range_table, kce, values or None), message)


@pytest.mark.parametrize("kce", ["pk > :p", "pk <= :p", "begins_with(pk, :p)",
                                 "pk BETWEEN :p AND :p", "pk = :p AND oth = :p"])
def test_unsupported_key_conditions_on_a_hash_table(port, hash_table, kce):
    u.expect_validation(_raw(port, hash_table, kce, {":p": S("p")}),
                        "Query key condition not supported")


@pytest.mark.parametrize("kce", ["pk =", "pk = :p AND", "pk == :p", "(pk = :p", "pk = 4",
                                 "things are not gonna be ok"])
def test_key_condition_syntax_errors(port, range_table, kce):
    u.expect_validation(_raw(port, range_table, kce, _vals(kce) or None),
                        re.compile(r"Invalid KeyConditionExpression: Syntax error; .*", re.S))


def test_missing_key_condition(port, range_table):
    u.expect_validation(_raw(port, range_table), "Either the KeyConditions or "
                        "KeyConditionExpression parameter must be specified in the request.")


@pytest.mark.parametrize("filt, key", [("sk = :s", "sk"), ("attribute_exists(pk)", "pk"),
                                       ("v = :s AND sk[1] = :s", "sk")])
def test_filter_on_key_attributes(port, range_table, filt, key):
    r = _raw(port, range_table, "pk = :p", {":p": S("p"), ":s": S("a")} if ":s" in filt
             else {":p": S("p")}, FilterExpression=filt)
    u.expect_validation(r, "Filter Expression can only contain non-primary key attributes: "
                           f"Primary key attribute: {key}")


def test_filter_and_projection_errors(port, range_table):
    u.expect_validation(_raw(port, range_table, "pk = :p", {":p": S("p")}, FilterExpression=""),
                        "Invalid FilterExpression: The expression can not be empty;")
    u.expect_validation(_raw(port, range_table, "pk = :p", {":p": S("p")},
                             ProjectionExpression=""),
                        "Invalid ProjectionExpression: The expression can not be empty;")
    u.expect_validation(_raw(port, range_table, "pk = :p", {":p": S("p")},
                             FilterExpression="v = :nope"),
                        "Invalid FilterExpression: An expression attribute value used in "
                        "expression is not defined; attribute value: :nope")
    u.expect_validation(_raw(port, range_table, "pk = :p", {":p": S("p"), ":x": S("x")}),
                        "Value provided in ExpressionAttributeValues unused in expressions: "
                        "keys: {:x}")
    u.expect_validation(_raw(port, range_table, "pk = :p", {":p": S("p")},
                             FilterExpression="v = :p AND ((v = :p))"),
                        "Invalid FilterExpression: The expression has redundant parentheses;")


def test_start_key_errors(port, range_table):
    base = dict(kce="pk = :p", values={":p": S("p")})
    u.expect_validation(_raw(port, range_table, **base, ExclusiveStartKey={"pk": S("p")}),
                        "The provided starting key is invalid")
    # A start key whose sort key has the wrong type: DynamoDB answers the bare "starting key is
    # invalid" (recorded against live DynamoDB by ExtendDB's and dynoxide's suites; dynalite's
    # source has the schema message instead, but no recorded test of it).
    u.expect_validation(_raw(port, range_table, **base,
                             ExclusiveStartKey={"pk": S("p"), "sk": N(1)}),
                        "The provided starting key is invalid")
    u.expect_validation(_raw(port, range_table, **base,
                             ExclusiveStartKey={"pk": S("q"), "sk": S("a")}),
                        "The provided starting key is outside query boundaries based on "
                        "provided conditions")
    u.expect_validation(_raw(port, range_table, "pk = :p AND sk > :s",
                             {":p": S("p"), ":s": S("b")},
                             ExclusiveStartKey={"pk": S("p"), "sk": S("a")}),
                        "The provided starting key does not match the range key predicate")
    u.expect_validation(_raw(port, range_table, **base, ExclusiveStartKey={"pk": {}}),
                        "The provided starting key is invalid: Supplied AttributeValue is "
                        "empty, must contain exactly one of the supported datatypes")


def test_other_parameter_errors(port, range_table):
    base = dict(kce="pk = :p", values={":p": S("p")})
    u.expect_validation(_raw(port, range_table, **base, Limit=0),
                        "1 validation error detected: Value '0' at 'limit' failed to satisfy "
                        "constraint: Member must have value greater than or equal to 1")
    u.expect_validation(_raw(port, range_table, **base, Select="SOME"),
                        "1 validation error detected: Value 'SOME' at 'select' failed to "
                        "satisfy constraint: Member must satisfy enum value set: "
                        "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]")
    u.expect_validation(_raw(port, range_table, **base, IndexName="nope"),
                        "The table does not have the specified index: nope")
    u.expect_error(_raw(port, u.unique_name("missing"), **base), u.T_NOT_FOUND,
                   "Requested resource not found")
