"""Condition expressions on PutItem, UpdateItem and DeleteItem: every comparator, BETWEEN, IN,
AND/OR/NOT with DynamoDB's precedence and parentheses, the six functions, nested paths, #name
and :value placeholders; the failure (ConditionalCheckFailedException, with the old item when
ReturnValuesOnConditionCheckFailure is ALL_OLD) and the validation errors.

Sources. Messages: dynalite (architect/dynalite test/updateItem.js, scan.js, putItem.js and
db/conditionParser.pegjs, whose texts are checked against live DynamoDB). Semantics of
comparisons with missing attributes or values of another type, and of contains/size/begins_with:
ScyllaDB's test/alternator/test_condition_expression.py (run against DynamoDB) and the
Developer Guide's "Comparison operator and function reference". The 4 KB limit: the Developer
Guide's "Expression parameters" quota; the message as real DynamoDB sends it is quoted in
pynamodb issue #979 ("...maximum allowed size; expression size: 4109") and aws-sdk-java-v2
issue #4597 (without the size), so both forms are accepted.

boto3 from Debian (botocore 1.29) does not know ReturnValuesOnConditionCheckFailure, so those
requests go out as raw signed HTTP.
"""

import re

import pytest
from botocore.exceptions import ClientError

import ddbx_util as u

CCF = ("ConditionalCheckFailedException", "The conditional request failed", 400)
INVALID = "One or more parameter values were invalid: "

ITEM = {
    "pk": {"S": "cond"},
    "str": {"S": "hello world"},
    "num": {"N": "42"},
    "twin": {"N": "42"},
    "neg": {"N": "-3.5"},
    "bin": {"B": b"\x01\x02\x03"},
    "hib": {"B": b"\xff\x00"},
    "yes": {"BOOL": True},
    "nil": {"NULL": True},
    "tags": {"SS": ["red", "green", "blue"]},
    "nums": {"NS": ["1", "2", "3"]},
    "blobs": {"BS": [b"\x01", b"\x02"]},
    "lst": {"L": [{"S": "x"}, {"N": "7"}, {"M": {"c": {"S": "deep"}}}]},
    "doc": {"M": {"k": {"S": "v"}, "cnt": {"N": "10"}, "deep": {"M": {"x": {"N": "1"}}}}},
    "a": {"M": {"b": {"L": [{"M": {"c": {"S": "c0"}}}, {"M": {"c": {"S": "c1"}}}]}}},
    "blank": {"S": ""},
    "x.y": {"S": "dotted"},
    "count": {"N": "5"},
}

VALUES = {
    ":n0": {"N": "0"}, ":n1": {"N": "1"}, ":n2": {"N": "2"}, ":n3": {"N": "3"},
    ":n5": {"N": "5"}, ":n7": {"N": "7"}, ":n9": {"N": "9"}, ":n10": {"N": "10"},
    ":n11": {"N": "11"}, ":n42": {"N": "42"}, ":n43": {"N": "43"}, ":n100": {"N": "100"},
    ":n42b": {"N": "42.000"}, ":nneg": {"N": "-3.50"},
    ":s0": {"S": "0"}, ":s2": {"S": "2"}, ":s9": {"S": "9"}, ":s42": {"S": "42"},
    ":hello": {"S": "hello"}, ":hellp": {"S": "hellp"}, ":world": {"S": "world"},
    ":hw": {"S": "hello world"}, ":low": {"S": "lo w"}, ":xyz": {"S": "xyz"},
    ":red": {"S": "red"}, ":purple": {"S": "purple"}, ":x": {"S": "x"}, ":c1": {"S": "c1"},
    ":v": {"S": "v"}, ":dotted": {"S": "dotted"},
    ":b123": {"B": b"\x01\x02\x03"}, ":b12": {"B": b"\x01\x02"}, ":b2": {"B": b"\x02"},
    ":b23": {"B": b"\x02\x03"}, ":b01": {"B": b"\x01"}, ":b7f": {"B": b"\x7f"},
    ":true": {"BOOL": True}, ":false": {"BOOL": False}, ":null": {"NULL": True},
    ":tags": {"SS": ["blue", "red", "green"]}, ":tags2": {"SS": ["red", "green"]},
    ":nums": {"NS": ["3", "1", "2"]},
    ":lst": {"L": [{"S": "x"}, {"N": "7"}, {"M": {"c": {"S": "deep"}}}]},
    ":deep": {"M": {"x": {"N": "1"}}},
    ":tS": {"S": "S"}, ":tN": {"S": "N"}, ":tB": {"S": "B"}, ":tBOOL": {"S": "BOOL"},
    ":tNULL": {"S": "NULL"}, ":tSS": {"S": "SS"}, ":tNS": {"S": "NS"}, ":tBS": {"S": "BS"},
    ":tL": {"S": "L"}, ":tM": {"S": "M"},
}

NAMES = {"#s": "str", "#n": "num", "#a": "a", "#b": "b", "#c": "c", "#dot": "x.y",
         "#cnt": "count", "#d": "doc"}


def _used(expr, pool, sigil):
    return {k: pool[k] for k in set(re.findall(sigil + r"[A-Za-z0-9_]+", expr))}


def _condition_kwargs(expr):
    kwargs = {"ConditionExpression": expr}
    values, names = _used(expr, VALUES, ":"), _used(expr, NAMES, "#")
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    return kwargs


def _holds(ddb, table, expr):
    """Whether `expr` is true of ITEM: a PutItem of the same item under the condition."""
    try:
        ddb.put_item(TableName=table, Item=ITEM, **_condition_kwargs(expr))
        return True
    except ClientError as e:
        err = e.response["Error"]
        if err["Code"] == "ConditionalCheckFailedException":
            assert err["Message"] == "The conditional request failed"
            return False
        raise


@pytest.fixture(scope="module")
def cond_table(ddb):
    name = u.unique_name("cond")
    u.create_table(ddb, name)
    ddb.put_item(TableName=name, Item=ITEM)
    return name


CASES = [
    # = and <> on every type; numbers compare by value
    ("num = :n42", True), ("num = :n42b", True), ("num = :n43", False),
    ("num <> :n43", True), ("num <> :n42", False), ("neg = :nneg", True),
    ("str = :hw", True), ("str = :hello", False), ("bin = :b123", True), ("bin = :b12", False),
    ("yes = :true", True), ("yes = :false", False), ("nil = :null", True),
    ("tags = :tags", True), ("tags = :tags2", False), ("nums = :nums", True),
    ("lst = :lst", True), ("doc.deep = :deep", True),
    ("num = twin", True), ("num <> twin", False),
    # ordering: numeric for N, byte-wise for S, unsigned byte-wise for B
    ("num < :n100", True), ("num > :n100", False), ("num <= :n42", True), ("num < :n42", False),
    ("num >= :n42", True), ("num > :n42", False), ("neg < :n0", True), ("neg > :nneg", False),
    ("str < :hellp", True), ("str > :hello", True), ("str <= :hello", False),
    ("str >= :hw", True), ("bin > :b12", True), ("bin < :b2", True), ("hib > :b7f", True),
    ("bin >= :b123", True), ("bin <= :b12", False), (":n0 < :n100", True),
    # different types are never equal and never ordered
    ("num = :s42", False), ("num <> :s42", True), ("num < :s9", False), ("num >= :s0", False),
    ("str > :n0", False), ("nums = :tags", False),
    # a missing attribute: only <> is true, even against another missing attribute
    ("nope = :n42", False), ("nope <> :n42", True), ("nope < :n42", False),
    ("nope >= :n0", False), ("nope = nada", False), ("nope <> nada", True),
    ("nope BETWEEN :n0 AND :n100", False), ("doc.zz = :v", False), ("lst[9] = :x", False),
    # BETWEEN is inclusive; keywords are case-insensitive
    ("num BETWEEN :n0 AND :n100", True), ("num BETWEEN :n42 AND :n42", True),
    ("num between :n43 and :n100", False), ("num BETWEEN :n0 AND :n9", False),
    ("str BETWEEN :hello AND :hellp", True), ("bin BETWEEN :b12 AND :b2", True),
    ("num BETWEEN :s0 AND :s9", False),
    # IN
    ("num IN (:n0, :n42, :n100)", True), ("num IN (:n0, :n100)", False),
    ("num in (:n42)", True), ("str IN (:s42, :hw)", True), ("num IN (:s42, :s0)", False),
    ("nope IN (:n42, :n0)", False), ("lst[1] IN (:n7)", True),
    # attribute_exists / attribute_not_exists, also on nested paths, NULL and empty values
    ("attribute_exists(str)", True), ("attribute_exists(nope)", False),
    ("attribute_not_exists(nope)", True), ("attribute_not_exists(str)", False),
    ("attribute_exists(doc.k)", True), ("attribute_exists(doc.zz)", False),
    ("attribute_exists(lst[2].c)", True), ("attribute_exists(lst[3])", False),
    ("attribute_exists(nil)", True), ("attribute_exists(blank)", True),
    ("attribute_exists(a.b[1].c)", True), ("attribute_not_exists(a.b[2])", True),
    # attribute_type, every type
    ("attribute_type(str, :tS)", True), ("attribute_type(num, :tN)", True),
    ("attribute_type(bin, :tB)", True), ("attribute_type(yes, :tBOOL)", True),
    ("attribute_type(nil, :tNULL)", True), ("attribute_type(tags, :tSS)", True),
    ("attribute_type(nums, :tNS)", True), ("attribute_type(blobs, :tBS)", True),
    ("attribute_type(lst, :tL)", True), ("attribute_type(doc, :tM)", True),
    ("attribute_type(num, :tS)", False), ("attribute_type(tags, :tL)", False),
    ("attribute_type(nope, :tS)", False), ("attribute_type(doc.cnt, :tN)", True),
    # begins_with on strings and binaries; on another type it is just false
    ("begins_with(str, :hello)", True), ("begins_with(str, :world)", False),
    ("begins_with(str, :hw)", True), ("begins_with(bin, :b12)", True),
    ("begins_with(bin, :b2)", False), ("begins_with(num, :s42)", False),
    ("begins_with(nope, :hello)", False),
    # contains: substring of S and B, member of a set or a list
    ("contains(str, :low)", True), ("contains(str, :xyz)", False),
    ("contains(bin, :b23)", True), ("contains(tags, :red)", True),
    ("contains(tags, :purple)", False), ("contains(nums, :n2)", True),
    ("contains(nums, :s2)", False), ("contains(blobs, :b01)", True),
    ("contains(lst, :x)", True), ("contains(lst, :n7)", True), ("contains(lst, :n9)", False),
    ("contains(nope, :x)", False),
    # size: characters of S, bytes of B, members of sets, elements of L and M
    ("size(str) = :n11", True), ("size(str) > :n10", True), ("size(str) < :n11", False),
    ("size(bin) = :n3", True), ("size(tags) = :n3", True), ("size(nums) = :n3", True),
    ("size(lst) = :n3", True), ("size(doc) = :n3", True), ("size(blank) = :n0", True),
    ("size(a.b) = :n2", True), ("size(num) = :n2", False), ("size(nope) = :n0", False),
    ("size(str) = :s42", False), ("size(str) = twin", False), ("size(lst) <= doc.cnt", True),
    # nested paths and placeholders
    ("a.b[1].c = :c1", True), ("a.b[0].c = :c1", False), ("doc.cnt > :n9", True),
    ("doc.deep.x = :n1", True), ("lst[1] = :n7", True), ("lst[1] < doc.cnt", True),
    ("#a.#b[1].#c = :c1", True), ("#s = :hw", True), ("#n BETWEEN :n0 AND :n100", True),
    ("#dot = :dotted", True), ("x.y = :dotted", False), ("#cnt = :n5", True),
    ("#d.k = :v", True),
    # AND, OR, NOT: NOT binds tighter than AND, AND tighter than OR
    ("num = :n42 AND str = :hw", True), ("num = :n42 AND str = :hello", False),
    ("num = :n0 OR str = :hw", True), ("num = :n0 OR str = :hello", False),
    ("NOT num = :n0", True), ("NOT attribute_exists(str)", False), ("NOT (num = :n42)", False),
    ("num = :n0 AND num = :n1 OR num = :n42", True),
    ("num = :n42 OR num = :n0 AND num = :n1", True),
    ("(num = :n42 OR num = :n0) AND num = :n1", False),
    ("NOT num = :n0 AND num = :n1", False), ("NOT (num = :n0 AND num = :n1)", True),
    ("NOT num = :n0 OR num = :n1", True), ("NOT (num = :n42 OR num = :n1)", False),
    ("num = :n42 and not str = :hello", True),
    ("num BETWEEN :n0 AND :n100 AND str = :hw", True),
    ("num BETWEEN :n0 AND :n100 AND str = :hello", False),
    ("(attribute_exists(nope) OR contains(tags, :red)) AND NOT size(lst) > :n3", True),
    ("  num\n=\t:n42  ", True), ("(num)=(:n42)", True),
]


@pytest.mark.parametrize("expr, expected", CASES, ids=[c[0] for c in CASES])
def test_condition_evaluates(ddb, cond_table, expr, expected):
    assert _holds(ddb, cond_table, expr) is expected


def test_in_accepts_one_hundred_operands(ddb, cond_table):
    # 1 + 99: the most IN takes (Developer Guide: up to 100; alternator's test found 99 after
    # the first operand is the ceiling).
    values = {f":i{i}": {"N": str(i)} for i in range(99)}
    expr = "num IN (" + ", ".join(values) + ")"
    ddb.put_item(TableName=cond_table, Item=ITEM, ConditionExpression=expr,
                 ExpressionAttributeValues=values)
    values = {f":i{i}": {"N": str(100 + i)} for i in range(99)}
    assert u.failure(ddb.put_item, TableName=cond_table, Item=ITEM,
                     ConditionExpression="num IN (" + ", ".join(values) + ")",
                     ExpressionAttributeValues=values) == CCF


# ---- Conditional writes ---------------------------------------------------------------------


def test_put_if_absent(ddb, hash_table):
    item = {"pk": {"S": "once"}, "v": {"N": "1"}}
    ddb.put_item(TableName=hash_table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    assert u.failure(ddb.put_item, TableName=hash_table,
                     Item={"pk": {"S": "once"}, "v": {"N": "2"}},
                     ConditionExpression="attribute_not_exists(pk)") == CCF
    assert ddb.get_item(TableName=hash_table, Key={"pk": {"S": "once"}},
                        ConsistentRead=True)["Item"] == item


def test_condition_on_a_missing_item_sees_no_attributes(ddb, hash_table):
    key = {"pk": {"S": "ghost"}}
    # Every attribute is missing, so "=" is false and "<>" is true.
    assert u.failure(ddb.put_item, TableName=hash_table, Item=dict(key, v={"S": "a"}),
                     ConditionExpression="v = :v",
                     ExpressionAttributeValues={":v": {"S": "a"}}) == CCF
    assert "Item" not in ddb.get_item(TableName=hash_table, Key=key, ConsistentRead=True)
    ddb.put_item(TableName=hash_table, Item=dict(key, v={"S": "a"}),
                 ConditionExpression="v <> :v", ExpressionAttributeValues={":v": {"S": "a"}})
    assert "Item" in ddb.get_item(TableName=hash_table, Key=key, ConsistentRead=True)


def test_update_condition_on_missing_item_does_not_create_it(ddb, hash_table):
    key = {"pk": {"S": "no-upsert"}}
    assert u.failure(ddb.update_item, TableName=hash_table, Key=key,
                     UpdateExpression="SET v = :v", ConditionExpression="attribute_exists(pk)",
                     ExpressionAttributeValues={":v": {"N": "1"}}) == CCF
    assert "Item" not in ddb.get_item(TableName=hash_table, Key=key, ConsistentRead=True)


def test_update_condition_sees_the_item_before_the_update(ddb, hash_table):
    key = {"pk": {"S": "cas"}}
    ddb.put_item(TableName=hash_table, Item=dict(key, ver={"N": "1"}))
    kwargs = dict(TableName=hash_table, Key=key, UpdateExpression="SET ver = ver + :one",
                  ConditionExpression="ver = :expected",
                  ExpressionAttributeValues={":one": {"N": "1"}, ":expected": {"N": "1"}})
    ddb.update_item(**kwargs)
    assert u.failure(ddb.update_item, **kwargs) == CCF
    assert ddb.get_item(TableName=hash_table, Key=key,
                        ConsistentRead=True)["Item"]["ver"] == {"N": "2"}


def test_delete_condition(ddb, hash_table):
    key = {"pk": {"S": "del"}}
    ddb.put_item(TableName=hash_table, Item=dict(key, state={"S": "open"}))
    assert u.failure(ddb.delete_item, TableName=hash_table, Key=key,
                     ConditionExpression="#st = :closed", ExpressionAttributeNames={"#st": "state"},
                     ExpressionAttributeValues={":closed": {"S": "closed"}}) == CCF
    assert "Item" in ddb.get_item(TableName=hash_table, Key=key, ConsistentRead=True)
    resp = ddb.delete_item(TableName=hash_table, Key=key, ConditionExpression="#st = :open",
                           ExpressionAttributeNames={"#st": "state"},
                           ExpressionAttributeValues={":open": {"S": "open"}},
                           ReturnValues="ALL_OLD")
    assert resp["Attributes"] == dict(key, state={"S": "open"})
    assert "Item" not in ddb.get_item(TableName=hash_table, Key=key, ConsistentRead=True)
    # A condition on a missing item: attribute_exists is false.
    assert u.failure(ddb.delete_item, TableName=hash_table, Key=key,
                     ConditionExpression="attribute_exists(pk)") == CCF


def test_conditional_failure_raw_body(port, hash_table):
    u.call(port, "PutItem", {"TableName": hash_table, "Item": {"pk": {"S": "raw"}}})
    r = u.call(port, "PutItem", {"TableName": hash_table, "Item": {"pk": {"S": "raw"}},
                                 "ConditionExpression": "attribute_not_exists(pk)"})
    assert r.status == 400, r
    assert r.json() == {"__type": u.T_CONDITIONAL, "message": "The conditional request failed"}


@pytest.mark.parametrize("op", ["PutItem", "UpdateItem", "DeleteItem"])
def test_return_values_on_condition_check_failure(port, ddb, hash_table, op):
    old = {"pk": {"S": "rv"}, "bin": {"B": b"\x00\xff"}, "m": {"M": {"n": {"N": "1.50"}}},
           "ss": {"SS": ["a"]}}
    ddb.put_item(TableName=hash_table, Item=old)
    body = {"TableName": hash_table, "ConditionExpression": "attribute_not_exists(pk)"}
    if op == "PutItem":
        body["Item"] = {"pk": {"S": "rv"}, "new": {"S": "n"}}
    else:
        body["Key"] = {"pk": {"S": "rv"}}
    if op == "UpdateItem":
        body["UpdateExpression"] = "SET fresh = :n"  # (NEW is a reserved word)
        body["ExpressionAttributeValues"] = {":n": {"S": "n"}}
    r = u.call(port, op, dict(body, ReturnValuesOnConditionCheckFailure="ALL_OLD"))
    got = u.expect_error(r, u.T_CONDITIONAL, "The conditional request failed")
    expected = u.to_wire_item(old)
    expected["m"] = {"M": {"n": {"N": "1.5"}}}
    assert got.get("Item") == expected
    r = u.call(port, op, dict(body, ReturnValuesOnConditionCheckFailure="NONE"))
    assert "Item" not in u.expect_error(r, u.T_CONDITIONAL, "The conditional request failed")
    r = u.call(port, op, body)
    assert "Item" not in u.expect_error(r, u.T_CONDITIONAL, "The conditional request failed")
    # Nothing was written.
    assert u.normalize_item(ddb.get_item(TableName=hash_table, Key={"pk": {"S": "rv"}},
                                         ConsistentRead=True)["Item"]) == u.normalize_item(
        dict(old, m={"M": {"n": {"N": "1.5"}}}))


def test_return_values_on_condition_check_failure_missing_item(port, hash_table):
    r = u.call(port, "UpdateItem", {
        "TableName": hash_table, "Key": {"pk": {"S": "absent"}},
        "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"S": "a"}},
        "ConditionExpression": "attribute_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})
    assert "Item" not in u.expect_error(r, u.T_CONDITIONAL, "The conditional request failed")


# ---- Validation -----------------------------------------------------------------------------


def _put(port, table, **extra):
    return u.call(port, "PutItem", dict({"TableName": table, "Item": {"pk": {"S": "v"}}},
                                        **extra))


def _ce(message):
    return "Invalid ConditionExpression: " + message


V1 = {":v": {"S": "x"}}


@pytest.mark.parametrize("expr, values, message", [
    ("", None, _ce("The expression can not be empty;")),
    ("name = :v", V1, _ce("Attribute name is a reserved keyword; reserved keyword: name")),
    (":v < abOrT", V1, _ce("Attribute name is a reserved keyword; reserved keyword: abOrT")),
    ("#nope = :v", V1, _ce("An expression attribute name used in the document path is not "
                           "defined; attribute name: #nope")),
    ("attr = :nope", None, _ce("An expression attribute value used in expression is not "
                               "defined; attribute value: :nope")),
    ("((attr = :v))", V1, _ce("The expression has redundant parentheses;")),
    ("attr = :v AND ((attr = :v AND attr = :v)) AND attr = :v", V1,
     _ce("The expression has redundant parentheses;")),
    ("foo(attr)", None, _ce("Invalid function name; function: foo")),
    ("attribute_not_exists(attr) = :v", V1,
     _ce("The function is not allowed to be used this way in an expression; "
         "function: attribute_not_exists")),
    ("size(attr)", None, _ce("The function is not allowed to be used this way in an expression; "
                             "function: size")),
    ("attribute_exists(attr, oth)", None,
     _ce("Incorrect number of operands for operator or function; "
         "operator or function: attribute_exists, number of operands: 2")),
    ("begins_with(attr)", None,
     _ce("Incorrect number of operands for operator or function; "
         "operator or function: begins_with, number of operands: 1")),
    ("size(attr, oth) > :v", V1,
     _ce("Incorrect number of operands for operator or function; "
         "operator or function: size, number of operands: 2")),
    ("begins_with(attr, :v)", {":v": {"N": "1"}},
     _ce("Incorrect operand type for operator or function; "
         "operator or function: begins_with, operand type: N")),
    ("begins_with(attr, :v)", {":v": {"SS": ["a"]}},
     _ce("Incorrect operand type for operator or function; "
         "operator or function: begins_with, operand type: SS")),
    ("size(:v) > attr", {":v": {"BOOL": True}},
     _ce("Incorrect operand type for operator or function; "
         "operator or function: size, operand type: BOOL")),
    ("attribute_type(attr, :v)", {":v": {"N": "1"}},
     _ce("Incorrect operand type for operator or function; "
         "operator or function: attribute_type, operand type: N")),
    ("attribute_exists(:v)", V1,
     _ce("Operator or function requires a document path; operator or function: "
         "attribute_exists")),
    ("attr = attr", None,
     _ce("The first operand must be distinct from the remaining operands for this operator or "
         "function; operator: =, first operand: [attr]")),
    ("contains(ab.bc[1].a, ab.bc[1].a)", None,
     _ce("The first operand must be distinct from the remaining operands for this operator or "
         "function; operator: contains, first operand: [ab, bc, [1], a]")),
    ("attr BETWEEN :lo AND :hi", {":lo": {"S": "a"}, ":hi": {"N": "1"}},
     _ce("The BETWEEN operator requires same data type for lower and upper bounds; "
         "lower bound operand: AttributeValue: {S:a}, upper bound operand: AttributeValue: "
         "{N:1}")),
    ("attr BETWEEN :lo AND :hi", {":lo": {"N": "100"}, ":hi": {"N": "2"}},
     _ce("The BETWEEN operator requires upper bound to be greater than or equal to lower "
         "bound; lower bound operand: AttributeValue: {N:100}, upper bound operand: "
         "AttributeValue: {N:2}")),
], ids=lambda x: x[:40] if isinstance(x, str) else None)
def test_condition_expression_errors(port, hash_table, expr, values, message):
    extra = {"ConditionExpression": expr}
    if values:
        extra["ExpressionAttributeValues"] = values
    u.expect_validation(_put(port, hash_table, **extra), message)


def test_attribute_type_with_unknown_type_name(port, hash_table):
    r = _put(port, hash_table, ConditionExpression="attribute_type(attr, :t)",
             ExpressionAttributeValues={":t": {"S": "DOG"}})
    u.expect_validation(r, re.compile(
        r"Invalid ConditionExpression: Invalid attribute type name found; type: DOG, "
        r"valid types: \{((B|NULL|SS|BOOL|L|BS|N|NS|S|M),?){10}\}"))


@pytest.mark.parametrize("expr", [
    "attr =", "attr == :v", "attr = :v AND", "AND attr = :v", "attr > 4", "attr IN :v",
    "attr IN ()", "attr IN (:v,)", "attribute_exists(at-tr)", "(attr = :v",
    "attr = :v)", "attr BETWEEN :v", "size(attr).b > :v", "attr.:v < oth",
    "things are not gonna be ok", "ü > :v", "attr[:v] > oth",
])
def test_condition_expression_syntax_errors(port, hash_table, expr):
    values = {":v": {"S": "x"}} if ":v" in expr else None
    extra = {"ConditionExpression": expr}
    if values:
        extra["ExpressionAttributeValues"] = values
    u.expect_validation(_put(port, hash_table, **extra),
                        re.compile(r"Invalid ConditionExpression: Syntax error; .*", re.S))


def test_constant_of_unsupported_type_in_comparison_is_an_error(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": "c"}, "a": {"N": "1"}})
    code, message, status = u.failure(ddb.put_item, TableName=hash_table,
                                      Item={"pk": {"S": "c"}}, ConditionExpression="a < :l",
                                      ExpressionAttributeValues={":l": {"L": [{"N": "1"}]}})
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("Invalid ConditionExpression: "), message


@pytest.mark.parametrize("extra, message", [
    ({"ConditionExpression": "a = :v", "ExpressionAttributeValues": {":v": {"S": "x"}},
      "ExpressionAttributeNames": {"#a": "a", "#b": "b"}},
     re.compile(r"Value provided in ExpressionAttributeNames unused in expressions: "
                r"keys: \{(#a, #b|#b, #a)\}")),
    ({"ConditionExpression": "#a = :v", "ExpressionAttributeValues": {":v": {"S": "x"}},
      "ExpressionAttributeNames": {"#a": "a", "#b": "b"}},
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"),
    ({"ConditionExpression": "a = :v",
      "ExpressionAttributeValues": {":v": {"S": "x"}, ":w": {"S": "y"}}},
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"),
    ({"ConditionExpression": "attribute_exists(a)", "ExpressionAttributeNames": {}},
     "ExpressionAttributeNames must not be empty"),
    ({"ConditionExpression": "attribute_exists(a)", "ExpressionAttributeValues": {}},
     "ExpressionAttributeValues must not be empty"),
    ({"ConditionExpression": "attribute_exists(a)", "ExpressionAttributeNames": {"a": "a"}},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"'),
    ({"ConditionExpression": "attribute_exists(a)",
      "ExpressionAttributeValues": {":ok": {"S": "a"}, "b": {"S": "a"}}},
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "b"'),
    ({"ConditionExpression": "a = :v", "ExpressionAttributeValues": {":v": {}}},
     "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, "
     "must contain exactly one of the supported datatypes for key :v"),
    ({"ConditionExpression": "a = :v", "ExpressionAttributeValues": {":v": {"SS": ["a", "a"]}}},
     "ExpressionAttributeValues contains invalid value: " + INVALID +
     "Input collection [a, a] contains duplicates. for key :v"),
    ({"ConditionExpression": "a = :v", "ExpressionAttributeValues": {":v": {"N": "b"}}},
     "ExpressionAttributeValues contains invalid value: The parameter cannot be converted to "
     "a numeric value: b for key :v"),
    ({"ExpressionAttributeNames": {"#a": "a"}},
     "ExpressionAttributeNames can only be specified when using expressions"),
    ({"ExpressionAttributeValues": {":v": {"S": "x"}}},
     "ExpressionAttributeValues can only be specified when using expressions: "
     "ConditionExpression is null"),
    ({"ConditionExpression": "attribute_exists(a)", "Expected": {"a": {"Exists": False}}},
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"),
])
def test_placeholder_and_parameter_errors(port, hash_table, extra, message):
    u.expect_validation(_put(port, hash_table, **extra), message)


def test_mixing_expected_and_condition_on_delete_and_update(port, hash_table):
    key = {"pk": {"S": "k"}}
    msg = ("Can not use both expression and non-expression parameters in the same request: "
           "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}")
    u.expect_validation(u.call(port, "DeleteItem", {
        "TableName": hash_table, "Key": key, "ConditionExpression": "attribute_exists(a)",
        "Expected": {"a": {"Exists": False}}}), msg)
    u.expect_validation(u.call(port, "UpdateItem", {
        "TableName": hash_table, "Key": key, "ConditionExpression": "attribute_exists(a)",
        "Expected": {"a": {"Exists": False}}}), msg)


def test_validation_errors_through_boto3(ddb, hash_table):
    assert u.failure(ddb.put_item, TableName=hash_table, Item={"pk": {"S": "b"}},
                     ConditionExpression="#x = :v",
                     ExpressionAttributeValues={":v": {"S": "x"}}) == (
        "ValidationException",
        _ce("An expression attribute name used in the document path is not defined; "
            "attribute name: #x"), 400)


def test_expression_of_4096_bytes_is_accepted_and_4097_refused(port, hash_table):
    base = "attribute_not_exists(attr)"
    ok = base + " " * (4096 - len(base))
    r = _put(port, hash_table, ConditionExpression=ok)
    assert (r.status, r.json()) == (200, {}), r
    u.expect_validation(_put(port, hash_table, ConditionExpression=ok + " "), re.compile(
        r"Invalid ConditionExpression: Expression size has exceeded the maximum allowed size;"
        r"( expression size: 4097)?"))
    # The limit is on the expression as sent: names substituted from ExpressionAttributeNames
    # do not count, so a 6,000-byte attribute name behind a placeholder is fine.
    r = _put(port, hash_table, ConditionExpression="attribute_not_exists(#long)",
             ExpressionAttributeNames={"#long": "é" * 3000})
    assert (r.status, r.json()) == (200, {}), r


def test_conditions_are_checked_before_the_table_exists(port):
    # Expression validation happens before the table lookup, as for other parameter checks.
    r = _put(port, u.unique_name("missing"), ConditionExpression="attr = :nope")
    u.expect_validation(r, _ce("An expression attribute value used in expression is not "
                               "defined; attribute value: :nope"))


# ---- ProjectionExpression on GetItem --------------------------------------------------------


PROJ_ITEM = {
    "pk": {"S": "proj"},
    "str": {"S": "s"},
    "num": {"N": "1"},
    "lst": {"L": [{"S": "l0"}, {"S": "l1"}, {"M": {"c": {"S": "l2c"}, "d": {"S": "l2d"}}},
                  {"S": "l3"}]},
    "doc": {"M": {"k": {"S": "v"}, "deep": {"M": {"x": {"N": "1"}, "y": {"N": "2"}}},
                  "l": {"L": [{"N": "0"}, {"N": "1"}]}}},
    "a": {"M": {"b": {"L": [{"M": {"c": {"S": "c0"}, "e": {"S": "e0"}}},
                            {"M": {"c": {"S": "c1"}, "e": {"S": "e1"}}}]}}},
    "x.y": {"S": "dotted"},
    "name": {"S": "reserved"},
}


@pytest.fixture(scope="module")
def proj_table(ddb):
    name = u.unique_name("proj")
    u.create_table(ddb, name)
    ddb.put_item(TableName=name, Item=PROJ_ITEM)
    return name


@pytest.mark.parametrize("projection, names, expected", [
    ("str", None, {"str": {"S": "s"}}),
    ("str, num", None, {"str": {"S": "s"}, "num": {"N": "1"}}),
    ("pk", None, {"pk": {"S": "proj"}}),
    ("lst[1]", None, {"lst": {"L": [{"S": "l1"}]}}),
    ("lst[0], lst[3]", None, {"lst": {"L": [{"S": "l0"}, {"S": "l3"}]}}),
    ("lst[2].c", None, {"lst": {"L": [{"M": {"c": {"S": "l2c"}}}]}}),
    ("doc.k", None, {"doc": {"M": {"k": {"S": "v"}}}}),
    ("doc.deep.y, doc.k", None, {"doc": {"M": {"k": {"S": "v"},
                                               "deep": {"M": {"y": {"N": "2"}}}}}}),
    ("doc.l[1]", None, {"doc": {"M": {"l": {"L": [{"N": "1"}]}}}}),
    ("a.b[1].c", None, {"a": {"M": {"b": {"L": [{"M": {"c": {"S": "c1"}}}]}}}}),
    ("a.b[0].c, a.b[1].e", None, {"a": {"M": {"b": {"L": [{"M": {"c": {"S": "c0"}}},
                                                         {"M": {"e": {"S": "e1"}}}]}}}}),
    ("#a.#b[1].#c", {"#a": "a", "#b": "b", "#c": "c"},
     {"a": {"M": {"b": {"L": [{"M": {"c": {"S": "c1"}}}]}}}}),
    ("#dot", {"#dot": "x.y"}, {"x.y": {"S": "dotted"}}),
    ("#n, str", {"#n": "name"}, {"name": {"S": "reserved"}, "str": {"S": "s"}}),
    ("nope, str", None, {"str": {"S": "s"}}),
    ("lst[9], str", None, {"str": {"S": "s"}}),
    ("doc.nope.x, str", None, {"str": {"S": "s"}}),
    ("str.x, num", None, {"num": {"N": "1"}}),
    ("lst.c, num", None, {"num": {"N": "1"}}),
    ("  str ,\tnum\n", None, {"str": {"S": "s"}, "num": {"N": "1"}}),
    # An item none of whose projected paths exist comes back empty, not absent (ScyllaDB's
    # test_projection_expression.py, checked against DynamoDB).
    ("nope", None, {}),
    ("doc[0], lst.x", None, {}),
])
def test_get_item_projection(ddb, proj_table, projection, names, expected):
    kwargs = dict(TableName=proj_table, Key={"pk": {"S": "proj"}},
                  ProjectionExpression=projection)
    if names:
        kwargs["ExpressionAttributeNames"] = names
    assert ddb.get_item(**kwargs)["Item"] == expected
    assert ddb.get_item(ConsistentRead=True, **kwargs)["Item"] == expected


def _pe(message):
    return "Invalid ProjectionExpression: " + message


@pytest.mark.parametrize("projection, names, message", [
    ("", None, _pe("The expression can not be empty;")),
    ("doc, doc.k", None, _pe("Two document paths overlap with each other; must remove or "
                             "rewrite one of these paths; path one: [doc], path two: [doc, k]")),
    ("str, str", None, _pe("Two document paths overlap with each other; must remove or "
                           "rewrite one of these paths; path one: [str], path two: [str]")),
    ("lst[0], lst.x", None, _pe("Two document paths conflict with each other; must remove or "
                                "rewrite one of these paths; path one: [lst, [0]], path two: "
                                "[lst, x]")),
    ("name", None, _pe("Attribute name is a reserved keyword; reserved keyword: name")),
    ("#x", None, _pe("An expression attribute name used in the document path is not defined; "
                     "attribute name: #x")),
    ("str", {"#x": "x"}, "Value provided in ExpressionAttributeNames unused in expressions: "
                         "keys: {#x}"),
])
def test_projection_errors(port, proj_table, projection, names, message):
    body = {"TableName": proj_table, "Key": {"pk": {"S": "proj"}},
            "ProjectionExpression": projection}
    if names:
        body["ExpressionAttributeNames"] = names
    u.expect_validation(u.call(port, "GetItem", body), message)


@pytest.mark.parametrize("projection", ["a..b", "a[x]", "a,", ", a", "a[-1]", ":v", "a b",
                                        "size(a)", "a.[1]"])
def test_projection_syntax_errors(port, proj_table, projection):
    r = u.call(port, "GetItem", {"TableName": proj_table, "Key": {"pk": {"S": "proj"}},
                                 "ProjectionExpression": projection})
    u.expect_validation(r, re.compile(r"Invalid ProjectionExpression: Syntax error; .*", re.S))


def test_projection_parameter_errors(port, proj_table):
    key = {"pk": {"S": "proj"}}
    u.expect_validation(u.call(port, "GetItem", {
        "TableName": proj_table, "Key": key, "ExpressionAttributeNames": {"#a": "a"}}),
        "ExpressionAttributeNames can only be specified when using expressions")
    u.expect_validation(u.call(port, "GetItem", {
        "TableName": proj_table, "Key": key, "ProjectionExpression": "str",
        "AttributesToGet": ["str"]}),
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributesToGet} Expression parameters: "
        "{ProjectionExpression}")
    ok = "str" + " " * 4093
    r = u.call(port, "GetItem", {"TableName": proj_table, "Key": key,
                                 "ProjectionExpression": ok})
    assert (r.status, r.json()) == (200, {"Item": {"str": {"S": "s"}}}), r
    u.expect_validation(u.call(port, "GetItem", {
        "TableName": proj_table, "Key": key, "ProjectionExpression": ok + " "}), re.compile(
        r"Invalid ProjectionExpression: Expression size has exceeded the maximum allowed "
        r"size;( expression size: 4097)?"))
