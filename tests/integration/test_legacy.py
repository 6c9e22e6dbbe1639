"""The legacy (pre-expression) parameters, still accepted by DynamoDB and used by older SDK
code: Expected (Exists, Value, ComparisonOperator + AttributeValueList) with ConditionalOperator,
AttributesToGet, AttributeUpdates (PUT, ADD, DELETE), KeyConditions, QueryFilter, ScanFilter;
their validation messages; and mixing them with expressions.

Sources: dynalite test/putItem.js, updateItem.js, deleteItem.js, getItem.js, query.js, scan.js
and validations/index.js (architect/dynalite, checked against live DynamoDB), and the Developer
Guide's "Legacy conditional parameters" (comparison operators; NE between different types
is true, other comparisons between different types are false).
"""

import re

import pytest

import ddbx_util as u

CCF = ("ConditionalCheckFailedException", "The conditional request failed", 400)
INVALID = "One or more parameter values were invalid: "


def S(x):
    return {"S": x}


def N(x):
    return {"N": str(x)}


def _get(ddb, table, key):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


# ---- Expected -------------------------------------------------------------------------------


ITEM = {"pk": S("e"), "str": S("hello"), "num": N(5), "tags": {"SS": ["a", "b"]},
        "b": {"B": b"\x01\x02"}}


@pytest.mark.parametrize("expected, holds", [
    ({"str": {"Value": S("hello")}}, True),
    ({"str": {"Value": S("bye")}}, False),
    ({"str": {"Value": S("hello"), "Exists": True}}, True),
    ({"nope": {"Exists": False}}, True),
    ({"str": {"Exists": False}}, False),
    ({"nope": {"Value": S("x")}}, False),
    ({"num": {"ComparisonOperator": "EQ", "AttributeValueList": [N("5.0")]}}, True),
    ({"num": {"ComparisonOperator": "EQ", "Value": N(5)}}, True),
    ({"num": {"ComparisonOperator": "EQ", "AttributeValueList": [S("5")]}}, False),
    ({"num": {"ComparisonOperator": "NE", "AttributeValueList": [N(6)]}}, True),
    ({"num": {"ComparisonOperator": "NE", "AttributeValueList": [N(5)]}}, False),
    ({"num": {"ComparisonOperator": "NE", "AttributeValueList": [S("5")]}}, True),
    ({"num": {"ComparisonOperator": "LT", "AttributeValueList": [N(10)]}}, True),
    ({"num": {"ComparisonOperator": "LT", "AttributeValueList": [N(5)]}}, False),
    ({"num": {"ComparisonOperator": "LE", "AttributeValueList": [N(5)]}}, True),
    ({"num": {"ComparisonOperator": "GT", "AttributeValueList": [N(-1)]}}, True),
    ({"num": {"ComparisonOperator": "GE", "AttributeValueList": [N(6)]}}, False),
    ({"str": {"ComparisonOperator": "GT", "AttributeValueList": [S("a")]}}, True),
    ({"str": {"ComparisonOperator": "LT", "AttributeValueList": [N(1)]}}, False),
    ({"b": {"ComparisonOperator": "GE", "AttributeValueList": [{"B": b"\x01"}]}}, True),
    ({"str": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("he")]}}, True),
    ({"str": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("lo")]}}, False),
    ({"str": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [S("ell")]}}, True),
    ({"str": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [S("ell")]}}, False),
    ({"tags": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [S("a")]}}, True),
    ({"tags": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [S("z")]}}, True),
    ({"num": {"ComparisonOperator": "IN", "AttributeValueList": [N(1), N(5)]}}, True),
    ({"num": {"ComparisonOperator": "IN", "AttributeValueList": [N(1), N(2)]}}, False),
    ({"num": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [N(5), N(9)]}}, True),
    ({"num": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [N(6), N(9)]}}, False),
    ({"str": {"ComparisonOperator": "NOT_NULL"}}, True),
    ({"nope": {"ComparisonOperator": "NOT_NULL"}}, False),
    ({"nope": {"ComparisonOperator": "NULL"}}, True),
    ({"str": {"ComparisonOperator": "NULL"}}, False),
    ({"str": {"Value": S("hello")}, "num": {"Value": N(5)}, "nope": {"Exists": False}}, True),
    ({"str": {"Value": S("hello")}, "num": {"Value": N(6)}}, False),
])
def test_expected(ddb, hash_table, expected, holds):
    ddb.put_item(TableName=hash_table, Item=ITEM)
    kwargs = dict(TableName=hash_table, Item=dict(ITEM, written=S("yes")), Expected=expected)
    if holds:
        ddb.put_item(**kwargs)
        assert _get(ddb, hash_table, {"pk": S("e")})["written"] == S("yes")
    else:
        assert u.failure(ddb.put_item, **kwargs) == CCF
        assert "written" not in _get(ddb, hash_table, {"pk": S("e")})


def test_conditional_operator(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item=ITEM)
    expected = {"str": {"ComparisonOperator": "EQ", "AttributeValueList": [S("hello")]},
                "num": {"ComparisonOperator": "EQ", "AttributeValueList": [N(99)]}}
    assert u.failure(ddb.put_item, TableName=hash_table, Item=ITEM, Expected=expected) == CCF
    assert u.failure(ddb.put_item, TableName=hash_table, Item=ITEM, Expected=expected,
                     ConditionalOperator="AND") == CCF
    ddb.put_item(TableName=hash_table, Item=ITEM, Expected=expected, ConditionalOperator="OR")


def test_expected_on_update_and_delete(ddb, hash_table):
    key = {"pk": S("e")}
    ddb.put_item(TableName=hash_table, Item=ITEM)
    assert u.failure(ddb.update_item, TableName=hash_table, Key=key,
                     AttributeUpdates={"x": {"Value": S("x")}},
                     Expected={"num": {"Value": N(6)}}) == CCF
    ddb.update_item(TableName=hash_table, Key=key, AttributeUpdates={"x": {"Value": S("x")}},
                    Expected={"num": {"Value": N(5)}})
    assert _get(ddb, hash_table, key)["x"] == S("x")
    assert u.failure(ddb.delete_item, TableName=hash_table, Key=key,
                     Expected={"pk": {"Exists": False}}) == CCF
    ddb.delete_item(TableName=hash_table, Key=key, Expected={"x": {"Value": S("x")}})
    assert _get(ddb, hash_table, key) is None
    # Expecting a value on a missing item fails.
    assert u.failure(ddb.delete_item, TableName=hash_table, Key=key,
                     Expected={"pk": {"Value": S("e")}}) == CCF


@pytest.mark.parametrize("expected, message", [
    ({"a": {}}, INVALID + "Value must be provided when Exists is null for Attribute: a"),
    ({"a": {"Exists": True}}, INVALID + "Value must be provided when Exists is true for "
                                        "Attribute: a"),
    ({"a": {"Exists": False, "Value": S("a")}},
     INVALID + "Value cannot be used when Exists is false for Attribute: a"),
    ({"a": {"ComparisonOperator": "LT"}},
     INVALID + "Value or AttributeValueList must be used with ComparisonOperator: LT for "
               "Attribute: a"),
    ({"a": {"Exists": True, "ComparisonOperator": "LT"}},
     INVALID + "Exists and ComparisonOperator cannot be used together for Attribute: a"),
    ({"a": {"AttributeValueList": [S("a")], "Value": S("a"), "ComparisonOperator": "LT"}},
     INVALID + "Value and AttributeValueList cannot be used together for Attribute: a"),
    ({"a": {"AttributeValueList": [S("a")]}},
     INVALID + "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"),
    ({"a": {"Exists": True, "AttributeValueList": [S("a")]}},
     INVALID + "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"),
    ({"a": {"AttributeValueList": [], "ComparisonOperator": "EQ"}},
     INVALID + "Invalid number of argument(s) for the EQ ComparisonOperator"),
    ({"a": {"AttributeValueList": [S("a")], "ComparisonOperator": "NULL"}},
     INVALID + "Invalid number of argument(s) for the NULL ComparisonOperator"),
    ({"a": {"AttributeValueList": [], "ComparisonOperator": "IN"}},
     INVALID + "Invalid number of argument(s) for the IN ComparisonOperator"),
    ({"a": {"AttributeValueList": [N(1), N(10), N(12)], "ComparisonOperator": "BETWEEN"}},
     INVALID + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"),
    ({"a": {"Value": S("a"), "ComparisonOperator": "BETWEEN"}},
     INVALID + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"),
    ({"a": {"Value": S("a"), "ComparisonOperator": "NULL"}},
     INVALID + "Invalid number of argument(s) for the NULL ComparisonOperator"),
])
@pytest.mark.parametrize("op", ["PutItem", "DeleteItem", "UpdateItem"])
def test_expected_validation(port, hash_table, op, expected, message):
    body = {"TableName": hash_table, "Expected": expected}
    body.update({"Item": {"pk": S("a")}} if op == "PutItem" else {"Key": {"pk": S("a")}})
    u.expect_validation(u.call(port, op, body), message)


# ---- AttributesToGet ------------------------------------------------------------------------


def test_attributes_to_get(ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "b": S("b"), "g": N(23),
                                             "m": {"M": {"x": S("x")}}})
    resp = ddb.get_item(TableName=hash_table, Key={"pk": S("a")}, AttributesToGet=["b", "g"])
    assert resp["Item"] == {"b": S("b"), "g": N(23)}
    resp = ddb.get_item(TableName=hash_table, Key={"pk": S("a")},
                        AttributesToGet=["m", "pk", "nope"], ConsistentRead=True)
    assert resp["Item"] == {"pk": S("a"), "m": {"M": {"x": S("x")}}}
    for i in range(3):
        ddb.put_item(TableName=range_table, Item={"pk": S("q"), "sk": S(str(i)), "v": N(i),
                                                  "w": N(i)})
    resp = ddb.query(TableName=range_table, AttributesToGet=["v"], KeyConditions={
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("q")]}})
    assert resp["Items"] == [{"v": N(i)} for i in range(3)]
    resp = ddb.scan(TableName=range_table, AttributesToGet=["sk", "w"])
    assert sorted(resp["Items"], key=lambda it: it["sk"]["S"]) == [
        {"sk": S(str(i)), "w": N(i)} for i in range(3)]


@pytest.mark.parametrize("op", ["GetItem", "Query", "Scan"])
def test_attributes_to_get_errors(port, range_table, op):
    body = {"TableName": range_table, "AttributesToGet": ["a", "a"]}
    if op == "GetItem":
        body["Key"] = {"pk": S("a"), "sk": S("b")}
    if op == "Query":
        body["KeyConditions"] = {"pk": {"ComparisonOperator": "EQ",
                                        "AttributeValueList": [S("a")]}}
    u.expect_validation(u.call(port, op, body),
                        INVALID + "Duplicate value in attribute name: a")
    body["AttributesToGet"] = []
    u.expect_validation(u.call(port, op, body), re.compile(
        r"1 validation error detected: Value '\[\]' at 'attributesToGet' failed to satisfy "
        r"constraint: Member must have length greater than or equal to 1"))


# ---- AttributeUpdates -----------------------------------------------------------------------


KEY = {"pk": S("u")}


def test_attribute_updates_put_add_delete(ddb, hash_table):
    ddb.update_item(TableName=hash_table, Key=KEY, AttributeUpdates={
        "s": {"Value": S("a")}, "n": {"Action": "PUT", "Value": N(1)},
        "ss": {"Value": {"SS": ["a", "b"]}}, "l": {"Value": {"L": [S("a"), N(1)]}},
        "gone": {"Value": S("x")}, "ns": {"Value": {"NS": ["1", "2", "3"]}}})
    resp = ddb.update_item(TableName=hash_table, Key=KEY, ReturnValues="UPDATED_NEW",
                           AttributeUpdates={
                               "n": {"Action": "ADD", "Value": N("2.5")},
                               "fresh": {"Action": "ADD", "Value": N(7)},
                               "ss": {"Action": "ADD", "Value": {"SS": ["b", "c"]}},
                               "l": {"Action": "ADD", "Value": {"L": [S("b"), N(2)]}},
                               "gone": {"Action": "DELETE"},
                               "ns": {"Action": "DELETE", "Value": {"NS": ["1", "4"]}},
                               "s": {"Action": "PUT", "Value": S("b")}})
    expected_new = {"n": N("3.5"), "fresh": N(7), "ss": {"SS": ["a", "b", "c"]},
                    "l": {"L": [S("a"), N(1), S("b"), N(2)]}, "ns": {"NS": ["2", "3"]},
                    "s": S("b")}
    assert u.normalize_item(resp["Attributes"]) == u.normalize_item(expected_new)
    assert u.normalize_item(_get(ddb, hash_table, KEY)) == u.normalize_item(
        dict(KEY, **expected_new))
    # Deleting every member removes the set.
    ddb.update_item(TableName=hash_table, Key=KEY, AttributeUpdates={
        "ns": {"Action": "DELETE", "Value": {"NS": ["2", "3"]}}})
    assert "ns" not in _get(ddb, hash_table, KEY)


def test_attribute_updates_on_a_missing_item(ddb, hash_table):
    # dynalite "should just add valid ADD actions if nothing exists".
    resp = ddb.update_item(TableName=hash_table, Key=KEY, ReturnValues="UPDATED_NEW",
                           AttributeUpdates={
                               "b": {"Action": "DELETE"},
                               "c": {"Action": "DELETE", "Value": {"SS": ["a", "b"]}},
                               "d": {"Action": "ADD", "Value": N(5)},
                               "e": {"Action": "ADD", "Value": {"SS": ["a", "b"]}},
                               "f": {"Action": "ADD", "Value": {"L": [S("a"), N(1)]}}})
    expected = {"d": N(5), "e": {"SS": ["a", "b"]}, "f": {"L": [S("a"), N(1)]}}
    assert u.normalize_item(resp["Attributes"]) == u.normalize_item(expected)
    assert u.normalize_item(_get(ddb, hash_table, KEY)) == u.normalize_item(
        dict(KEY, **expected))


def test_attribute_updates_return_values(ddb, hash_table):
    ddb.update_item(TableName=hash_table, Key=KEY, AttributeUpdates={
        "b": {"Value": S("a")}, "c": {"Value": S("a")}})
    resp = ddb.update_item(TableName=hash_table, Key=KEY, ReturnValues="UPDATED_OLD",
                           AttributeUpdates={"b": {"Value": S("b")}, "c": {"Value": S("a")}})
    assert resp["Attributes"] == {"b": S("a"), "c": S("a")}
    resp = ddb.update_item(TableName=hash_table, Key=KEY, ReturnValues="ALL_OLD",
                           AttributeUpdates={"b": {"Value": S("c")}})
    assert resp["Attributes"] == dict(KEY, b=S("b"), c=S("a"))
    resp = ddb.update_item(TableName=hash_table, Key=KEY, ReturnValues="ALL_NEW",
                           AttributeUpdates={"b": {"Action": "DELETE"}})
    assert resp["Attributes"] == dict(KEY, c=S("a"))


@pytest.mark.parametrize("updates, message", [
    ({"a": {"Action": "PUT"}},
     INVALID + "Only DELETE action is allowed when no attribute value is specified"),
    ({"a": {"Action": "ADD"}},
     INVALID + "Only DELETE action is allowed when no attribute value is specified"),
    ({"a": {"Action": "DELETE", "Value": S("1")}},
     INVALID + "DELETE action with value is not supported for the type S"),
    ({"a": {"Action": "DELETE", "Value": N(1)}},
     INVALID + "DELETE action with value is not supported for the type N"),
    ({"a": {"Action": "DELETE", "Value": {"L": []}}},
     INVALID + "DELETE action with value is not supported for the type L"),
    ({"a": {"Action": "ADD", "Value": S("1")}},
     INVALID + "ADD action is not supported for the type S"),
    ({"a": {"Action": "ADD", "Value": {"B": "Yg=="}}},
     INVALID + "ADD action is not supported for the type B"),
    ({"a": {"Action": "ADD", "Value": {"BOOL": True}}},
     INVALID + "ADD action is not supported for the type BOOL"),
    ({"a": {"Action": "ADD", "Value": {"M": {}}}},
     INVALID + "ADD action is not supported for the type M"),
    ({"pk": {"Value": S("other")}},
     INVALID + "Cannot update attribute pk. This attribute is part of the key"),
])
def test_attribute_updates_validation(port, hash_table, updates, message):
    u.expect_validation(u.call(port, "UpdateItem", {"TableName": hash_table, "Key": KEY,
                                                    "AttributeUpdates": updates}), message)


@pytest.mark.parametrize("updates", [
    {"ss": {"Action": "DELETE", "Value": {"NS": ["1"]}}},
    {"ss": {"Action": "DELETE", "Value": {"BS": ["YQ=="]}}},
    {"n": {"Action": "DELETE", "Value": {"NS": ["1"]}}},
    {"ss": {"Action": "ADD", "Value": {"NS": ["1"]}}},
    {"ns": {"Action": "ADD", "Value": N(1)}},
])
def test_attribute_updates_type_mismatch(port, ddb, hash_table, updates):
    ddb.update_item(TableName=hash_table, Key=KEY, AttributeUpdates={
        "ss": {"Value": {"SS": ["1"]}}, "n": {"Value": N(1)}, "ns": {"Value": {"NS": ["1"]}}})
    u.expect_validation(u.call(port, "UpdateItem", {"TableName": hash_table, "Key": KEY,
                                                    "AttributeUpdates": updates}),
                        "Type mismatch for attribute to update")


def test_attribute_updates_item_too_big(port, ddb, hash_table):
    r = u.call(port, "UpdateItem", {"TableName": hash_table, "Key": KEY, "AttributeUpdates": {
        "b": {"Action": "PUT", "Value": S("a" * 409600)}}})
    u.expect_validation(r, "Item size to update has exceeded the maximum allowed size")
    assert _get(ddb, hash_table, KEY) is None


# ---- KeyConditions, QueryFilter, ScanFilter -------------------------------------------------


@pytest.fixture
def sorted_items(ddb, range_table):
    items = [{"pk": S("p"), "sk": S(sk), "v": N(i), "tag": S("t" if i % 2 else "f")}
             for i, sk in enumerate(["a", "aa", "ab", "b", "ba", "c"])]
    items[0]["extra"] = S("x")
    for item in items + [{"pk": S("q"), "sk": S("a")}]:
        ddb.put_item(TableName=range_table, Item=item)
    return range_table, items


def _kc(op, *values):
    return {"ComparisonOperator": op, "AttributeValueList": list(values)}


@pytest.mark.parametrize("sk_cond, expected", [
    (None, ["a", "aa", "ab", "b", "ba", "c"]),
    (_kc("EQ", S("ab")), ["ab"]),
    (_kc("LT", S("b")), ["a", "aa", "ab"]),
    (_kc("LE", S("b")), ["a", "aa", "ab", "b"]),
    (_kc("GT", S("b")), ["ba", "c"]),
    (_kc("GE", S("b")), ["b", "ba", "c"]),
    (_kc("BETWEEN", S("aa"), S("b")), ["aa", "ab", "b"]),
    (_kc("BEGINS_WITH", S("a")), ["a", "aa", "ab"]),
])
def test_key_conditions(ddb, sorted_items, sk_cond, expected):
    table, _ = sorted_items
    conditions = {"pk": _kc("EQ", S("p"))}
    if sk_cond:
        conditions["sk"] = sk_cond
    resp = ddb.query(TableName=table, KeyConditions=conditions)
    assert [it["sk"]["S"] for it in resp["Items"]] == expected
    resp = ddb.query(TableName=table, KeyConditions=conditions, ScanIndexForward=False, Limit=2)
    assert [it["sk"]["S"] for it in resp["Items"]] == list(reversed(expected))[:2]


def test_query_filter(ddb, sorted_items):
    table, items = sorted_items
    conditions = {"pk": _kc("EQ", S("p"))}
    resp = ddb.query(TableName=table, KeyConditions=conditions,
                     QueryFilter={"tag": _kc("EQ", S("t")), "v": _kc("GT", N(1))})
    assert [it["sk"]["S"] for it in resp["Items"]] == ["b", "c"]
    assert (resp["Count"], resp["ScannedCount"]) == (2, 6)
    resp = ddb.query(TableName=table, KeyConditions=conditions, ConditionalOperator="OR",
                     QueryFilter={"tag": _kc("EQ", S("t")), "extra": _kc("NOT_NULL")})
    assert [it["sk"]["S"] for it in resp["Items"]] == ["a", "aa", "b", "c"]
    resp = ddb.query(TableName=table, KeyConditions=conditions, Limit=2,
                     QueryFilter={"extra": _kc("NULL")})
    assert ([it["sk"]["S"] for it in resp["Items"]], resp["ScannedCount"]) == (["aa"], 2)
    assert resp["LastEvaluatedKey"] == {"pk": S("p"), "sk": S("aa")}


def test_scan_filter(ddb, hash_table):
    items = [{"pk": S("a"), "b": S("1234"), "c": S("c")}, {"pk": S("b"), "b": N(1234)},
             {"pk": S("c"), "b": {"B": b"1234"}}, {"pk": S("d"), "ss": {"SS": ["x", "y"]}},
             {"pk": S("e"), "b": S("abc"), "n": N("1.5")}]
    for item in items:
        ddb.put_item(TableName=hash_table, Item=item)

    def keys(**kw):
        resp = ddb.scan(TableName=hash_table, **kw)
        assert resp["ScannedCount"] == 5
        return sorted(it["pk"]["S"] for it in resp["Items"])

    assert keys(ScanFilter={"b": _kc("EQ", S("1234"))}) == ["a"]
    # NE is true for a value of another type (dynalite scan.js "NE on different types"). Whether
    # it is true for an item without the attribute is not documented; both are accepted.
    assert keys(ScanFilter={"b": _kc("NE", S("1234"))}) in (["b", "c", "e"], ["b", "c", "d", "e"])
    assert keys(ScanFilter={"b": _kc("NULL")}) == ["d"]
    assert keys(ScanFilter={"b": _kc("NOT_NULL")}) == ["a", "b", "c", "e"]
    assert keys(ScanFilter={"b": _kc("CONTAINS", S("23"))}) == ["a"]
    assert keys(ScanFilter={"b": _kc("BEGINS_WITH", S("ab"))}) == ["e"]
    assert keys(ScanFilter={"ss": _kc("CONTAINS", S("y"))}) == ["d"]
    assert keys(ScanFilter={"b": _kc("IN", S("abc"), S("zzz"))}) == ["e"]
    assert keys(ScanFilter={"n": _kc("BETWEEN", N(1), N(2))}) == ["e"]
    assert keys(ScanFilter={"b": _kc("LT", S("5"))}) == ["a"]
    assert keys(ScanFilter={"b": _kc("EQ", S("1234")), "ss": _kc("NOT_NULL")},
                ConditionalOperator="OR") == ["a", "d"]
    assert keys(ScanFilter={"b": _kc("EQ", S("1234")), "ss": _kc("NOT_NULL")},
                ConditionalOperator="AND") == []
    assert keys(ScanFilter={"pk": _kc("EQ", S("c"))}) == ["c"]


@pytest.mark.parametrize("conditions, message", [
    ({}, "Conditions can be of length 1 or 2 only"),
    ({"pk": _kc("EQ", S("a")), "sk": _kc("EQ", S("a")), "x": _kc("EQ", S("a"))},
     "Conditions can be of length 1 or 2 only"),
    ({"pk": _kc("EQ")}, INVALID + "Invalid number of argument(s) for the EQ ComparisonOperator"),
    ({"pk": _kc("EQ", S("a"), S("b"))},
     INVALID + "Invalid number of argument(s) for the EQ ComparisonOperator"),
    ({"pk": _kc("EQ", S("a")), "sk": _kc("BEGINS_WITH", N(1))},
     INVALID + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"),
    ({"pk": _kc("EQ", S("a")), "sk": _kc("LT", {"BOOL": True})},
     INVALID + "ComparisonOperator LT is not valid for BOOL AttributeValue type"),
    ({"pk": _kc("EQ", S("a")), "sk": _kc("BETWEEN", S("b"), S("a"))},
     "The BETWEEN condition was provided a range where the lower bound is greater than the "
     "upper bound"),
    ({"pk": _kc("EQ", S("a")), "sk": _kc("IN", S("b"), N(1))},
     INVALID + "AttributeValues inside AttributeValueList must be of same type"),
    ({"pk": _kc("NE", S("a"))}, "Attempted conditional constraint is not an indexable operation"),
    ({"pk": _kc("EQ", S("a")), "sk": _kc("NOT_NULL")},
     "Attempted conditional constraint is not an indexable operation"),
    ({"pk": _kc("EQ", S("a")), "sk": _kc("CONTAINS", S("a"))},
     "Attempted conditional constraint is not an indexable operation"),
    ({"sk": _kc("EQ", S("a"))}, "Query condition missed key schema element: pk"),
])
def test_key_conditions_validation(port, range_table, conditions, message):
    u.expect_validation(u.call(port, "Query", {"TableName": range_table,
                                               "KeyConditions": conditions}), message)


def test_key_conditions_not_supported_on_hash(port, hash_table):
    u.expect_validation(u.call(port, "Query", {"TableName": hash_table, "KeyConditions": {
        "pk": _kc("LT", S("a"))}}), "Query key condition not supported")


@pytest.mark.parametrize("op", ["Query", "Scan"])
@pytest.mark.parametrize("filt, message", [
    ({"a": _kc("LT", {"BOOL": True})},
     INVALID + "ComparisonOperator LT is not valid for BOOL AttributeValue type"),
    ({"a": _kc("GE", {"SS": ["a"]})},
     INVALID + "ComparisonOperator GE is not valid for SS AttributeValue type"),
    ({"a": _kc("CONTAINS", {"L": []})},
     INVALID + "ComparisonOperator CONTAINS is not valid for L AttributeValue type"),
    ({"a": _kc("BETWEEN", {"M": {}}, {"M": {}})},
     INVALID + "ComparisonOperator BETWEEN is not valid for M AttributeValue type"),
    ({"a": _kc("IN", S("b"), N(1))},
     INVALID + "AttributeValues inside AttributeValueList must be of same type"),
    ({"a": _kc("NULL", S("a"))},
     INVALID + "Invalid number of argument(s) for the NULL ComparisonOperator"),
    ({"a": _kc("BETWEEN", S("a"))},
     INVALID + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"),
    ({"a": _kc("BETWEEN", N(2), N(1))},
     "The BETWEEN condition was provided a range where the lower bound is greater than the "
     "upper bound"),
])
def test_filter_validation(port, range_table, op, filt, message):
    body = {"TableName": range_table}
    if op == "Query":
        body["KeyConditions"] = {"pk": _kc("EQ", S("a"))}
        body["QueryFilter"] = filt
    else:
        body["ScanFilter"] = filt
    u.expect_validation(u.call(port, op, body), message)


def test_query_filter_on_key_attributes(port, range_table):
    for key in ("pk", "sk"):
        u.expect_validation(u.call(port, "Query", {
            "TableName": range_table, "KeyConditions": {"pk": _kc("EQ", S("a"))},
            "QueryFilter": {key: _kc("EQ", S("a"))}}),
            f"QueryFilter can only contain non-primary key attributes: Primary key attribute: "
            f"{key}")


# ---- Mixing legacy parameters and expressions ----------------------------------------------


def _mixed(non_expr, expr):
    return ("Can not use both expression and non-expression parameters in the same request: "
            f"Non-expression parameters: {{{non_expr}}} Expression parameters: {{{expr}}}")


@pytest.mark.parametrize("op, body, message", [
    ("Scan", {"ScanFilter": {"a": _kc("NOT_NULL")}, "FilterExpression": "attribute_exists(a)"},
     _mixed("ScanFilter", "FilterExpression")),
    ("Scan", {"AttributesToGet": ["a"], "ProjectionExpression": "a"},
     _mixed("AttributesToGet", "ProjectionExpression")),
    ("Scan", {"ScanFilter": {"a": _kc("NOT_NULL")}, "ConditionalOperator": "OR",
              "FilterExpression": "attribute_exists(a)"},
     _mixed("ScanFilter, ConditionalOperator", "FilterExpression")),
    ("Query", {"KeyConditions": {"pk": _kc("EQ", S("a"))}, "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": S("a")}},
     _mixed("KeyConditions", "KeyConditionExpression")),
    ("Query", {"QueryFilter": {"a": _kc("NOT_NULL")}, "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": S("a")}},
     _mixed("QueryFilter", "KeyConditionExpression")),
    ("GetItem", {"Key": {"pk": S("a"), "sk": S("b")}, "AttributesToGet": ["a"],
                 "ProjectionExpression": "a"},
     _mixed("AttributesToGet", "ProjectionExpression")),
    ("PutItem", {"Item": {"pk": S("a"), "sk": S("b")}, "Expected": {"a": {"Exists": False}},
                 "ConditionExpression": "attribute_not_exists(a)"},
     _mixed("Expected", "ConditionExpression")),
])
def test_mixing(port, range_table, op, body, message):
    u.expect_validation(u.call(port, op, dict(body, TableName=range_table)), message)
