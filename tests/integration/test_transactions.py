"""TransactWriteItems (Put, Update, Delete and ConditionCheck over several tables, all or
nothing, 1 to 100 actions) and TransactGetItems (responses in request order, `{}` for a missing
item, projections), with their errors and their consumed capacity:

- TransactionCanceledException: HTTP 400, the `Transaction cancelled, please refer cancellation
  reasons for specific reasons [...]` message, one CancellationReason per action in request
  order ({"Code":"None"} without Message; ConditionalCheckFailed with "The conditional request
  failed" and, with ReturnValuesOnConditionCheckFailure=ALL_OLD, the old item); every failing
  condition is reported; a key of the wrong type or an update that cannot apply cancels with a
  ValidationError on the first such action only, and no condition is evaluated then.
- Whole-request errors: two actions on one item, a missing table, an empty key value, missing
  ConditionExpression / UpdateExpression, expression errors (the same texts as PutItem,
  UpdateItem and DeleteItem, reported ahead of a missing table), unused values, a token over
  36 characters, an update of a key attribute, more than 100 or no actions.
- ClientRequestToken idempotency: a replay succeeds without writing again and reports read
  capacity; another payload under the same token is an IdempotentParameterMismatchException;
  JSON member order does not matter; a cancelled call does not use the token up.
- ConsumedCapacity: one entry per table, sorted by name, with CapacityUnits plus
  WriteCapacityUnits (2 per KB of each item, ConditionCheck included) or ReadCapacityUnits
  (2 per 4 KB, a missing item included); INDEXES adds the "Table" part; absent otherwise.
- Isolation under concurrency: transfers between accounts never change the total seen by
  TransactGetItems snapshots, and transactions interleaved with plain writes lose no update.

Messages and behaviours: /work/notes/transactions-spec.md (real DynamoDB as captured by the
paritysuite/dynamodb-conformance suite, moto's aws_verified tests, ScyllaDB's Alternator tests
written against AWS, raw bodies in SDK issues, and the API reference and Developer Guide).
"""

import json
import random
import re
import threading

import pytest
from botocore.exceptions import ClientError

import ddbx_util as u

CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons "
CCF_MESSAGE = "The conditional request failed"
MULTIPLE_OPS = "Transaction request cannot include multiple operations on one item"
KEY_SCHEMA = "The provided key element does not match the schema"
T_CANCELED = "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
TOO_MANY = re.compile(r"1 validation error detected: Value '\[.+\]' at 'transactItems' failed to "
                      r"satisfy constraint: Member must have length less than or equal to 100",
                      re.S)
TOO_FEW = ("1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
           "constraint: Member must have length greater than or equal to 1")


def S(x):
    return {"S": x}


def N(x):
    return {"N": str(x)}


def _get(ddb, table, key):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def _body(resp):
    """A boto3 response without its ResponseMetadata."""
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


def _put(table, item, **kw):
    return {"Put": dict(TableName=table, Item=item, **kw)}


def _update(table, key, expr, values=None, **kw):
    action = dict(TableName=table, Key=key, UpdateExpression=expr, **kw)
    if values:
        action["ExpressionAttributeValues"] = values
    return {"Update": action}


def _delete(table, key, **kw):
    return {"Delete": dict(TableName=table, Key=key, **kw)}


def _check(table, key, cond, **kw):
    return {"ConditionCheck": dict(TableName=table, Key=key, ConditionExpression=cond, **kw)}


def _cancelled(ddb, items, **kw):
    """Runs a TransactWriteItems that must be cancelled; returns its CancellationReasons after
    checking the status, the code and that the message lists the reasons' codes in order."""
    try:
        ddb.transact_write_items(TransactItems=items, **kw)
    except ClientError as e:
        resp = e.response
    else:
        raise AssertionError("TransactWriteItems succeeded; a cancellation was expected")
    return _reasons_of(resp, len(items))


def _cancelled_get(ddb, items, **kw):
    try:
        ddb.transact_get_items(TransactItems=items, **kw)
    except ClientError as e:
        resp = e.response
    else:
        raise AssertionError("TransactGetItems succeeded; a cancellation was expected")
    return _reasons_of(resp, len(items))


def _reasons_of(resp, count):
    assert resp["Error"]["Code"] == "TransactionCanceledException", resp
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400
    reasons = resp["CancellationReasons"]
    assert len(reasons) == count, reasons
    codes = [r["Code"] for r in reasons]
    assert resp["Error"]["Message"] == CANCELLED + "[" + ", ".join(codes) + "]"
    for r in reasons:
        if r["Code"] == "None":
            assert r == {"Code": "None"}
    assert "ConsumedCapacity" not in resp
    return reasons


CCF = {"Code": "ConditionalCheckFailed", "Message": CCF_MESSAGE}
NONE = {"Code": "None"}


def _twi(port, body):
    return u.call(port, "TransactWriteItems", body)


def _tgi(port, body):
    return u.call(port, "TransactGetItems", body)


@pytest.fixture
def accounts_table(ddb):
    name = u.unique_name("accounts")
    u.create_table(ddb, name)
    return name


# ---- TransactWriteItems: the four actions, all or nothing ----------------------------------


def test_write_all_four_actions_across_two_tables(ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("gone"), "v": N(1)})
    ddb.put_item(TableName=hash_table, Item={"pk": S("checked"), "state": S("open")})
    ddb.put_item(TableName=range_table, Item={"pk": S("r"), "sk": S("1"), "n": N(10),
                                              "keep": S("k")})
    resp = ddb.transact_write_items(TransactItems=[
        _put(hash_table, {"pk": S("new"), "b": {"B": b"\x00\x01"}, "l": {"L": [N(1), S("x")]}},
             ConditionExpression="attribute_not_exists(pk)"),
        _update(range_table, {"pk": S("r"), "sk": S("1")}, "SET n = n + :d, #s = :s",
                {":d": N(5), ":s": S("upd"), ":min": N(10)}, ConditionExpression="n >= :min",
                ExpressionAttributeNames={"#s": "status"}),
        _delete(hash_table, {"pk": S("gone")}, ConditionExpression="v = :one",
                ExpressionAttributeValues={":one": N(1)}),
        _check(hash_table, {"pk": S("checked")}, "#st = :open",
               ExpressionAttributeNames={"#st": "state"},
               ExpressionAttributeValues={":open": S("open")}),
        _update(range_table, {"pk": S("r"), "sk": S("upsert")}, "ADD c :one", {":one": N(1)}),
        _delete(range_table, {"pk": S("r"), "sk": S("never-there")}),
    ])
    assert _body(resp) == {}
    assert _get(ddb, hash_table, {"pk": S("new")}) == {
        "pk": S("new"), "b": {"B": b"\x00\x01"}, "l": {"L": [N(1), S("x")]}}
    assert _get(ddb, range_table, {"pk": S("r"), "sk": S("1")}) == {
        "pk": S("r"), "sk": S("1"), "n": N(15), "keep": S("k"), "status": S("upd")}
    assert _get(ddb, hash_table, {"pk": S("gone")}) is None
    assert _get(ddb, hash_table, {"pk": S("checked")}) == {"pk": S("checked"),
                                                           "state": S("open")}
    assert _get(ddb, range_table, {"pk": S("r"), "sk": S("upsert")}) == {
        "pk": S("r"), "sk": S("upsert"), "c": N(1)}


def test_write_success_answers_an_empty_object(port, ddb, hash_table):
    r = _twi(port, {"TransactItems": [_put(hash_table, {"pk": S("a"), "v": N(1)})]})
    assert (r.status, r.json()) == (200, {}), r
    r = _twi(port, {"TransactItems": [_put(hash_table, {"pk": S("b")})],
                    "ReturnConsumedCapacity": "NONE"})
    assert (r.status, r.json()) == (200, {}), r
    assert _get(ddb, hash_table, {"pk": S("a")}) == {"pk": S("a"), "v": N(1)}


def test_put_replaces_the_whole_item(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "old": S("x")})
    ddb.transact_write_items(TransactItems=[_put(hash_table, {"pk": S("a"), "new": S("y")})])
    assert _get(ddb, hash_table, {"pk": S("a")}) == {"pk": S("a"), "new": S("y")}


def test_one_failing_condition_writes_nothing(ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("del"), "v": N(1)})
    ddb.put_item(TableName=hash_table, Item={"pk": S("upd"), "n": N(1)})
    ddb.put_item(TableName=range_table, Item={"pk": S("c"), "sk": S("c"), "state": S("closed")})
    reasons = _cancelled(ddb, [
        _put(hash_table, {"pk": S("new")}),
        _update(hash_table, {"pk": S("upd")}, "SET n = n + :one", {":one": N(1)}),
        _delete(hash_table, {"pk": S("del")}),
        _update(range_table, {"pk": S("c"), "sk": S("new")}, "SET x = :one", {":one": N(1)}),
        _check(range_table, {"pk": S("c"), "sk": S("c")}, "#s = :open",
               ExpressionAttributeNames={"#s": "state"},
               ExpressionAttributeValues={":open": S("open")}),
    ])
    assert reasons == [NONE, NONE, NONE, NONE, CCF]
    assert _get(ddb, hash_table, {"pk": S("new")}) is None
    assert _get(ddb, hash_table, {"pk": S("upd")}) == {"pk": S("upd"), "n": N(1)}
    assert _get(ddb, hash_table, {"pk": S("del")}) == {"pk": S("del"), "v": N(1)}
    assert _get(ddb, range_table, {"pk": S("c"), "sk": S("new")}) is None
    assert _get(ddb, range_table, {"pk": S("c"), "sk": S("c")}) == {
        "pk": S("c"), "sk": S("c"), "state": S("closed")}


def test_cancellation_message_and_reasons(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("exists")})
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(TransactItems=[
            _put(hash_table, {"pk": S("fresh")}),
            _put(hash_table, {"pk": S("exists"), "v": N(1)},
                 ConditionExpression="attribute_not_exists(pk)"),
        ])
    assert u.error_of(exc) == (
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed]", 400)
    assert exc.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
    assert _get(ddb, hash_table, {"pk": S("fresh")}) is None
    assert _get(ddb, hash_table, {"pk": S("exists")}) == {"pk": S("exists")}


def test_cancellation_wire_body(port, ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "v": N(1)})
    r = _twi(port, {"ReturnConsumedCapacity": "TOTAL", "TransactItems": [
        _check(hash_table, {"pk": S("a")}, "v = :two", ExpressionAttributeValues={":two": N(2)}),
        _put(hash_table, {"pk": S("b")})]})
    assert r.status == 400, r
    assert r.json() == {
        "__type": T_CANCELED,
        "CancellationReasons": [CCF, NONE],
        "Message": CANCELLED + "[ConditionalCheckFailed, None]",
    }


def test_every_failing_condition_is_reported(ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "v": N(1)})
    ddb.put_item(TableName=range_table, Item={"pk": S("b"), "sk": S("b"), "v": N(1)})
    ddb.put_item(TableName=range_table, Item={"pk": S("b"), "sk": S("c"), "v": N(1)})
    one = {":one": N(1)}
    reasons = _cancelled(ddb, [
        _check(hash_table, {"pk": S("a")}, "v = :one", ExpressionAttributeValues=one),
        _put(hash_table, {"pk": S("a2")}, ConditionExpression="attribute_exists(pk)"),
        _update(range_table, {"pk": S("b"), "sk": S("b")}, "SET v = v + :one", one,
                ConditionExpression="v = :one"),
        _delete(range_table, {"pk": S("b"), "sk": S("missing")},
                ConditionExpression="attribute_exists(pk)"),
        _check(range_table, {"pk": S("b"), "sk": S("c")}, "v > :one",
               ExpressionAttributeValues=one),
    ])
    assert reasons == [NONE, CCF, NONE, CCF, CCF]
    assert _get(ddb, range_table, {"pk": S("b"), "sk": S("b")})["v"] == N(1)
    assert _get(ddb, hash_table, {"pk": S("a2")}) is None


@pytest.mark.parametrize("kind", ["Put", "Update", "Delete", "ConditionCheck"])
def test_return_values_on_condition_check_failure(ddb, hash_table, kind):
    old = {"pk": S("a"), "v": N(1), "m": {"M": {"x": {"SS": ["p", "q"]}}}}
    ddb.put_item(TableName=hash_table, Item=old)
    key = {"pk": S("a")}
    cond = dict(ConditionExpression="v = :two", ExpressionAttributeValues={":two": N(2)})

    def action(returns, k=key):
        extra = dict(cond)
        if returns is not None:
            extra["ReturnValuesOnConditionCheckFailure"] = returns
        if kind == "Put":
            return _put(hash_table, dict(k, v=N(3)), **extra)
        if kind == "Update":
            extra["ExpressionAttributeValues"] = dict(extra["ExpressionAttributeValues"],
                                                      **{":three": N(3)})
            return {"Update": dict(TableName=hash_table, Key=k, UpdateExpression="SET v = :three",
                                   **extra)}
        if kind == "Delete":
            return _delete(hash_table, k, **extra)
        return {"ConditionCheck": dict(TableName=hash_table, Key=k, **extra)}

    other = _put(hash_table, {"pk": S("other")})
    reasons = _cancelled(ddb, [other, action("ALL_OLD")])
    assert len(reasons) == 2 and reasons[0] == NONE
    assert reasons[1]["Code"] == "ConditionalCheckFailed"
    assert reasons[1]["Message"] == CCF_MESSAGE
    assert u.normalize_item(reasons[1]["Item"]) == u.normalize_item(old)
    assert set(reasons[1]) == {"Code", "Message", "Item"}
    # NONE or no setting: no Item.
    assert _cancelled(ddb, [other, action("NONE")]) == [NONE, CCF]
    assert _cancelled(ddb, [other, action(None)]) == [NONE, CCF]
    # ALL_OLD on an item that does not exist: nothing to return.
    assert _cancelled(ddb, [other, action("ALL_OLD", {"pk": S("absent")})]) == [NONE, CCF]
    assert _get(ddb, hash_table, key) == old
    assert _get(ddb, hash_table, {"pk": S("other")}) is None


def test_return_values_on_condition_check_failure_only_on_the_failing_action(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("ok"), "v": N(1)})
    ddb.put_item(TableName=hash_table, Item={"pk": S("bad"), "v": N(5)})
    one = {":one": N(1)}
    reasons = _cancelled(ddb, [
        _check(hash_table, {"pk": S("ok")}, "v = :one", ExpressionAttributeValues=one,
               ReturnValuesOnConditionCheckFailure="ALL_OLD"),
        _check(hash_table, {"pk": S("bad")}, "v = :one", ExpressionAttributeValues=one,
               ReturnValuesOnConditionCheckFailure="ALL_OLD"),
    ])
    assert reasons == [NONE, dict(CCF, Item={"pk": S("bad"), "v": N(5)})]
    # A successful transaction returns nothing for it either.
    resp = ddb.transact_write_items(TransactItems=[
        _check(hash_table, {"pk": S("ok")}, "v = :one", ExpressionAttributeValues=one,
               ReturnValuesOnConditionCheckFailure="ALL_OLD")])
    assert _body(resp) == {}


def test_conditions_see_the_items_before_the_transaction(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "v": N(1)})
    ddb.put_item(TableName=hash_table, Item={"pk": S("b"), "v": N(1)})
    # Each condition is checked against its own item; the other action's write is not seen.
    ddb.transact_write_items(TransactItems=[
        _update(hash_table, {"pk": S("a")}, "SET v = :two", {":two": N(2), ":one": N(1)},
                ConditionExpression="v = :one"),
        _update(hash_table, {"pk": S("b")}, "SET v = :two", {":two": N(2), ":one": N(1)},
                ConditionExpression="v = :one"),
    ])
    assert _get(ddb, hash_table, {"pk": S("a")})["v"] == N(2)
    assert _get(ddb, hash_table, {"pk": S("b")})["v"] == N(2)


def test_condition_check_and_delete_of_missing_items_write_nothing(ddb, hash_table):
    ddb.transact_write_items(TransactItems=[
        _check(hash_table, {"pk": S("ghost")}, "attribute_not_exists(pk)"),
        _delete(hash_table, {"pk": S("ghost2")}, ConditionExpression="attribute_not_exists(pk)"),
        _put(hash_table, {"pk": S("real")}),
    ])
    assert _get(ddb, hash_table, {"pk": S("ghost")}) is None
    assert _get(ddb, hash_table, {"pk": S("ghost2")}) is None
    assert ddb.scan(TableName=hash_table, ConsistentRead=True)["Items"] == [{"pk": S("real")}]


def test_one_hundred_actions(ddb, hash_table, range_table):
    items = [_put(hash_table, {"pk": S(f"h{i:03d}"), "v": N(i)}) for i in range(50)]
    items += [_update(range_table, {"pk": S("r"), "sk": S(f"s{i:03d}")}, "SET v = :v",
                      {":v": N(i)}) for i in range(50)]
    assert _body(ddb.transact_write_items(TransactItems=items)) == {}
    assert ddb.scan(TableName=hash_table, ConsistentRead=True)["Count"] == 50
    assert ddb.scan(TableName=range_table, ConsistentRead=True)["Count"] == 50
    assert _get(ddb, range_table, {"pk": S("r"), "sk": S("s049")})["v"] == N(49)


def test_more_than_one_hundred_or_no_actions(port, ddb, hash_table):
    items = [_put(hash_table, {"pk": S(f"k{i:03d}")}) for i in range(101)]
    u.expect_validation(_twi(port, {"TransactItems": items}), TOO_MANY)
    assert u.failure(ddb.transact_write_items, TransactItems=items)[0] == "ValidationException"
    assert ddb.scan(TableName=hash_table, ConsistentRead=True)["Count"] == 0
    u.expect_validation(_twi(port, {"TransactItems": []}), TOO_FEW)
    code, message, status = u.failure(ddb.transact_write_items, TransactItems=[])
    assert (code, status) == ("ValidationException", 400)
    assert "Member must have length greater than or equal to 1" in message


# ---- Validation that cancels ---------------------------------------------------------------


def test_put_key_of_the_wrong_type_cancels(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "v": N(1)})
    reasons = _cancelled(ddb, [
        _put(hash_table, {"pk": S("fine")}),
        _put(hash_table, {"pk": N(7), "v": N(1)}),
        _check(hash_table, {"pk": S("a")}, "v = :two",
               ExpressionAttributeValues={":two": N(2)}),
    ])
    assert reasons == [NONE, {"Code": "ValidationError", "Message":
                              "One or more parameter values were invalid: Type mismatch for "
                              "key pk expected: S actual: N"}, NONE]
    assert _get(ddb, hash_table, {"pk": S("fine")}) is None


def test_put_item_without_its_key_cancels(ddb, hash_table, range_table):
    reasons = _cancelled(ddb, [_put(hash_table, {"pk": S("fine")}),
                               _put(range_table, {"pk": S("p"), "v": N(1)})])
    assert reasons[0] == NONE and reasons[1]["Code"] == "ValidationError"
    assert _get(ddb, hash_table, {"pk": S("fine")}) is None


@pytest.mark.parametrize("kind", ["Update", "Delete", "ConditionCheck"])
@pytest.mark.parametrize("bad_key", [{"pk": S("r"), "sk": N(1)},
                                     {"pk": S("r"), "sk": {"L": [S("s")]}},
                                     {"pk": S("r"), "sk": S("s"), "extra": S("x")},
                                     {"pk": S("r")}],
                         ids=["wrong-type", "not-scalar", "extra-attribute", "missing-attribute"])
def test_key_not_matching_the_schema_cancels(ddb, hash_table, range_table, kind, bad_key):
    if kind == "Update":
        bad = _update(range_table, bad_key, "SET v = :v", {":v": N(1)})
    elif kind == "Delete":
        bad = _delete(range_table, bad_key)
    else:
        bad = _check(range_table, bad_key, "attribute_not_exists(pk)")
    reasons = _cancelled(ddb, [_put(hash_table, {"pk": S("fine")}), bad])
    assert reasons == [NONE, {"Code": "ValidationError", "Message": KEY_SCHEMA}]
    assert _get(ddb, hash_table, {"pk": S("fine")}) is None


def test_update_past_the_item_size_limit_writes_nothing(ddb, hash_table):
    # Whether this cancels (ValidationError) or fails the whole request is not settled for
    # DynamoDB; either way the transaction must not write anything.
    ddb.put_item(TableName=hash_table, Item={"pk": S("near"), "d": S("x" * (399 * 1024))})
    try:
        ddb.transact_write_items(TransactItems=[
            _put(hash_table, {"pk": S("fine")}),
            _update(hash_table, {"pk": S("near")}, "SET e = :e", {":e": S("y" * 2048)})])
    except ClientError as e:
        resp = e.response
    else:
        raise AssertionError("an update past 400 KB succeeded")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400
    if resp["Error"]["Code"] == "TransactionCanceledException":
        assert [r["Code"] for r in resp["CancellationReasons"]] == ["None", "ValidationError"]
    else:
        assert resp["Error"]["Code"] == "ValidationException"
    assert _get(ddb, hash_table, {"pk": S("fine")}) is None
    assert "e" not in _get(ddb, hash_table, {"pk": S("near")})


def test_only_the_first_invalid_action_gets_a_validation_error(ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "v": N(1)})
    reasons = _cancelled(ddb, [
        # This condition would fail, but conditions are not evaluated at all.
        _check(hash_table, {"pk": S("a")}, "attribute_not_exists(pk)",
               ReturnValuesOnConditionCheckFailure="ALL_OLD"),
        _update(range_table, {"pk": N(1), "sk": S("s")}, "SET v = :v", {":v": N(1)}),
        _put(hash_table, {"pk": {"B": b"x"}}),
        _put(hash_table, {"pk": S("b")}, ConditionExpression="attribute_exists(pk)"),
    ])
    assert reasons == [NONE, {"Code": "ValidationError", "Message": KEY_SCHEMA}, NONE, NONE]
    assert _get(ddb, hash_table, {"pk": S("b")}) is None


def test_update_that_cannot_apply_cancels(ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "v": N(1)})
    reasons = _cancelled(ddb, [
        _put(range_table, {"pk": S("x"), "sk": S("y")}),
        _update(hash_table, {"pk": S("a")}, "SET v = b + :one", {":one": N(1)}),
    ])
    assert reasons == [NONE, {"Code": "ValidationError", "Message":
                              "The provided expression refers to an attribute that does not "
                              "exist in the item"}]
    assert _get(ddb, range_table, {"pk": S("x"), "sk": S("y")}) is None
    assert _get(ddb, hash_table, {"pk": S("a")}) == {"pk": S("a"), "v": N(1)}


# ---- Whole-request errors ------------------------------------------------------------------


def test_two_actions_on_one_item(port, ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a")})
    pairs = [
        (_put(hash_table, {"pk": S("a"), "v": N(1)}), _delete(hash_table, {"pk": S("a")})),
        (_put(hash_table, {"pk": S("a"), "v": N(1)}),
         _check(hash_table, {"pk": S("a")}, "attribute_exists(pk)")),
        (_update(hash_table, {"pk": S("a")}, "SET v = :v", {":v": N(1)}),
         _update(hash_table, {"pk": S("a")}, "SET w = :v", {":v": N(1)})),
        # The key's attribute order does not matter.
        (_put(range_table, {"sk": S("s"), "x": N(1), "pk": S("p")}),
         _delete(range_table, {"sk": S("s"), "pk": S("p")})),
    ]
    for first, second in pairs:
        items = [_put(hash_table, {"pk": S("innocent")}), first, second]
        u.expect_validation(_twi(port, {"TransactItems": items}), MULTIPLE_OPS)
        assert u.failure(ddb.transact_write_items, TransactItems=items) == (
            "ValidationException", MULTIPLE_OPS, 400)
    assert _get(ddb, hash_table, {"pk": S("innocent")}) is None
    assert _get(ddb, hash_table, {"pk": S("a")}) == {"pk": S("a")}
    # The same key in two tables, or another sort key, is another item.
    ddb.transact_write_items(TransactItems=[
        _put(hash_table, {"pk": S("p")}), _put(range_table, {"pk": S("p"), "sk": S("s")}),
        _put(range_table, {"pk": S("p"), "sk": S("t")}),
        _check(hash_table, {"pk": S("a")}, "attribute_exists(pk)")])
    assert ddb.scan(TableName=range_table, ConsistentRead=True)["Count"] == 2


def test_two_actions_on_one_item_compares_numbers_by_value(port, num_range_table):
    for a, b in (("1", "1.0"), ("100", "1E2"), ("-0.5", "-.50")):
        u.expect_validation(_twi(port, {"TransactItems": [
            _put(num_range_table, {"pk": S("p"), "sk": N(a)}),
            _delete(num_range_table, {"pk": S("p"), "sk": N(b)})]}), MULTIPLE_OPS)
        u.expect_validation(_tgi(port, {"TransactItems": [
            {"Get": {"TableName": num_range_table, "Key": {"pk": S("p"), "sk": N(a)}}},
            {"Get": {"TableName": num_range_table, "Key": {"pk": S("p"), "sk": N(b)}}}]}),
            MULTIPLE_OPS)


def test_request_shape_errors(port, ddb, hash_table):
    put = _put(hash_table, {"pk": S("a")})
    enum_rcc = ("Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member "
                "must satisfy enum value set: [INDEXES, TOTAL, NONE]")
    enum_ricm = ("Value 'BOGUS2' at 'returnItemCollectionMetrics' failed to satisfy constraint: "
                 "Member must satisfy enum value set: [SIZE, NONE]")
    token = ("Value '" + "t" * 37 + "' at 'clientRequestToken' failed to satisfy constraint: "
             "Member must have length less than or equal to 36")
    u.expect_validation(_twi(port, {"TransactItems": [put], "ReturnConsumedCapacity": "BOGUS"}),
                        "1 validation error detected: " + enum_rcc)
    u.expect_validation(_tgi(port, {"TransactItems": [{"Get": {"TableName": hash_table,
                                                                "Key": {"pk": S("a")}}}],
                                    "ReturnConsumedCapacity": "BOGUS"}),
                        "1 validation error detected: " + enum_rcc)
    u.expect_validation(_twi(port, {"TransactItems": [put], "ReturnConsumedCapacity": "BOGUS",
                                    "ReturnItemCollectionMetrics": "BOGUS2"}),
                        "2 validation errors detected: " + enum_rcc + "; " + enum_ricm)
    u.expect_validation(_twi(port, {"TransactItems": [put], "ReturnConsumedCapacity": "BOGUS",
                                    "ClientRequestToken": "t" * 37}),
                        "2 validation errors detected: " + token + "; " + enum_rcc)
    u.expect_validation(_twi(port, {"TransactItems": [_put("bad!name", {"pk": S("a")})]}),
                        "1 validation error detected: Value 'bad!name' at "
                        "'transactItems.1.member.put.tableName' failed to satisfy constraint: "
                        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    u.expect_validation(_twi(port, {"TransactItems": [
        _put(hash_table, {"pk": S("a")}, ExpressionAttributeValues={})]}),
        "ExpressionAttributeValues must not be empty")
    u.expect_validation(_twi(port, {}), "1 validation error detected: Value null at "
                                        "'transactItems' failed to satisfy constraint: Member "
                                        "must not be null")
    # Shapes whose exact text is not settled for DynamoDB: the type only.
    for body in ({"TransactItems": [{}]},
                 {"TransactItems": [dict(put, **_delete(hash_table, {"pk": S("b")}))]},
                 {"TransactItems": [_put(hash_table, {"pk": S("a")},
                                         ReturnValuesOnConditionCheckFailure="dog")]},
                 {"TransactItems": [_check(hash_table, {"pk": S("a")}, "attribute_exists(pk)",
                                           ReturnValuesOnConditionCheckFailure="none")]}):
        r = _twi(port, body)
        assert (r.status, r.json()["__type"]) == (400, u.T_VALIDATION), (body, r)
    # A name mapped to a number is not a string at all.
    r = _twi(port, {"TransactItems": [_put(hash_table, {"pk": S("a")},
                                           ConditionExpression="attribute_exists(#xyz)",
                                           ExpressionAttributeNames={"#xyz": 7})]})
    assert (r.status, r.json()["__type"]) == (400, u.T_SERIALIZATION), r
    r = _tgi(port, {"TransactItems": [{}]})
    assert (r.status, r.json()["__type"]) == (400, u.T_VALIDATION), r
    assert _get(ddb, hash_table, {"pk": S("a")}) is None


def test_transaction_payload_limit(port, ddb, hash_table):
    big = "x" * (399 * 1024)
    # Over 4 MB of items in one request: refused as a whole.
    r = _twi(port, {"TransactItems": [_put(hash_table, {"pk": S(f"a{i:02d}"), "d": S(big)})
                                      for i in range(13)]})
    assert r.status == 400, r
    assert r.json()["__type"] == u.T_VALIDATION
    assert re.search(r"size cannot exceed", r.json()["message"]), r
    assert ddb.scan(TableName=hash_table, Select="COUNT")["Count"] == 0
    # About 3 MB is fine.
    r = _twi(port, {"TransactItems": [_put(hash_table, {"pk": S(f"b{i:02d}"), "d": S(big)})
                                      for i in range(7)]})
    assert (r.status, r.json()) == (200, {}), r
    # The limit is on the request: deleting more than 4 MB of stored items is fine.
    for i in range(7, 13):
        ddb.put_item(TableName=hash_table, Item={"pk": S(f"b{i:02d}"), "d": S(big)})
    r = _twi(port, {"TransactItems": [_delete(hash_table, {"pk": S(f"b{i:02d}")})
                                      for i in range(13)]})
    assert (r.status, r.json()) == (200, {}), r
    assert ddb.scan(TableName=hash_table, Select="COUNT", ConsistentRead=True)["Count"] == 0


def test_missing_table(port, ddb, hash_table):
    missing = u.unique_name("missing")
    items = [_put(hash_table, {"pk": S("a")}), _put(missing, {"pk": S("a")})]
    u.expect_error(_twi(port, {"TransactItems": items}), u.T_NOT_FOUND,
                   "Requested resource not found")
    assert u.failure(ddb.transact_write_items, TransactItems=items) == (
        "ResourceNotFoundException", "Requested resource not found", 400)
    for action in (_update(missing, {"pk": S("a")}, "SET v = :v", {":v": N(1)}),
                   _delete(missing, {"pk": S("a")}),
                   _check(missing, {"pk": S("a")}, "attribute_exists(pk)")):
        assert u.failure(ddb.transact_write_items, TransactItems=[action]) == (
            "ResourceNotFoundException", "Requested resource not found", 400)
    assert _get(ddb, hash_table, {"pk": S("a")}) is None


def test_empty_string_key_value(port, ddb, hash_table, range_table):
    message = ("One or more parameter values are not valid. The AttributeValue for a key "
               "attribute cannot contain an empty string value. Key: pk")
    for bad in (_put(hash_table, {"pk": S(""), "v": N(1)}),
                _update(hash_table, {"pk": S("")}, "SET v = :v", {":v": N(1)}),
                _delete(hash_table, {"pk": S("")}),
                _check(hash_table, {"pk": S("")}, "attribute_exists(pk)")):
        items = [_put(hash_table, {"pk": S("ok")}), bad]
        u.expect_validation(_twi(port, {"TransactItems": items}), message)
    u.expect_validation(_twi(port, {"TransactItems": [
        _put(range_table, {"pk": S(""), "sk": S("s")})]}), message)
    assert _get(ddb, hash_table, {"pk": S("ok")}) is None


def test_condition_check_without_condition_expression(port, ddb, hash_table):
    r = _twi(port, {"TransactItems": [
        _put(hash_table, {"pk": S("ok")}),
        {"ConditionCheck": {"TableName": hash_table, "Key": {"pk": S("a")}}}]})
    assert r.status == 400, r
    assert r.json()["__type"] == u.T_VALIDATION
    assert _get(ddb, hash_table, {"pk": S("ok")}) is None


def test_update_without_update_expression(port, ddb, hash_table):
    r = _twi(port, {"TransactItems": [
        _put(hash_table, {"pk": S("ok")}),
        {"Update": {"TableName": hash_table, "Key": {"pk": S("a")}}}]})
    assert r.status == 400, r
    assert r.json()["__type"] == u.T_VALIDATION
    assert _get(ddb, hash_table, {"pk": S("ok")}) is None
    assert _get(ddb, hash_table, {"pk": S("a")}) is None


def _single_item_twin(action):
    """The PutItem / UpdateItem / DeleteItem request that carries the same action."""
    (kind, params), = action.items()
    return {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}[kind], params


BAD_EXPRESSIONS = [
    ("put-syntax", lambda t: _put(t, {"pk": S("a")},
                                  ConditionExpression="attribute_not_exists(")),
    ("put-empty", lambda t: _put(t, {"pk": S("a")}, ConditionExpression="")),
    ("put-missing-value", lambda t: _put(t, {"pk": S("a")}, ConditionExpression="v = :nope")),
    ("put-missing-name", lambda t: _put(t, {"pk": S("a")}, ConditionExpression="#n = :v",
                                        ExpressionAttributeValues={":v": N(1)})),
    ("put-unused-name", lambda t: _put(t, {"pk": S("a")}, ConditionExpression="v = :v",
                                       ExpressionAttributeValues={":v": N(1)},
                                       ExpressionAttributeNames={"#unused": "x"})),
    ("delete-syntax", lambda t: _delete(t, {"pk": S("a")}, ConditionExpression="v = = 1")),
    ("update-set-twice", lambda t: _update(t, {"pk": S("a")}, "SET a = :v SET b = :v",
                                           {":v": N(1)})),
    ("update-syntax", lambda t: _update(t, {"pk": S("a")}, "SET a =", None)),
    ("update-bad-condition", lambda t: _update(t, {"pk": S("a")}, "SET a = :v", {":v": N(1)},
                                               ConditionExpression="a <")),
    ("update-overlap", lambda t: _update(t, {"pk": S("a")}, "SET a = :v REMOVE a",
                                         {":v": N(1)})),
]


@pytest.mark.parametrize("make", [m for _, m in BAD_EXPRESSIONS],
                         ids=[name for name, _ in BAD_EXPRESSIONS])
def test_expression_errors_match_the_single_item_operations(port, ddb, hash_table, make):
    action = make(hash_table)
    op, params = _single_item_twin(action)
    single = u.call(port, op, params)
    assert single.status == 400, single
    expected = single.json()
    assert expected["__type"] == u.T_VALIDATION
    r = _twi(port, {"TransactItems": [_put(hash_table, {"pk": S("ok")}), action]})
    assert (r.status, r.json()) == (400, expected), r
    assert _get(ddb, hash_table, {"pk": S("ok")}) is None
    assert _get(ddb, hash_table, {"pk": S("a")}) is None


def test_expression_error_texts(port, hash_table):
    cases = [
        (_put(hash_table, {"pk": S("a")}, ConditionExpression="attribute_not_exists("),
         'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("'),
        (_check(hash_table, {"pk": S("a")}, ""),
         "Invalid ConditionExpression: The expression can not be empty;"),
        (_update(hash_table, {"pk": S("a")}, "SET a = :v SET b = :v", {":v": N(1)}),
         'Invalid UpdateExpression: The "SET" section can only be used once in an update '
         'expression;'),
    ]
    for action, message in cases:
        u.expect_validation(_twi(port, {"TransactItems": [action]}), message)


def test_unused_expression_attribute_values(port, ddb, hash_table):
    message = "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"
    for action in (_put(hash_table, {"pk": S("a")}, ConditionExpression="attribute_exists(pk)",
                        ExpressionAttributeValues={":v": N(1)}),
                   _update(hash_table, {"pk": S("a")}, "SET a = :a", {":a": N(1), ":v": N(1)}),
                   _delete(hash_table, {"pk": S("a")}, ExpressionAttributeValues={":v": N(1)},
                           ConditionExpression="attribute_exists(pk)"),
                   _check(hash_table, {"pk": S("a")}, "attribute_exists(pk)",
                          ExpressionAttributeValues={":v": N(1)})):
        u.expect_validation(_twi(port, {"TransactItems": [_put(hash_table, {"pk": S("ok")}),
                                                          action]}), message)
        assert u.failure(ddb.transact_write_items, TransactItems=[action]) == (
            "ValidationException", message, 400)
    assert _get(ddb, hash_table, {"pk": S("ok")}) is None


def test_expression_errors_come_before_a_missing_table(port, hash_table):
    missing = u.unique_name("missing")
    u.expect_validation(_twi(port, {"TransactItems": [
        _put(missing, {"pk": S("a")}),
        _check(hash_table, {"pk": S("b")}, "attribute_exists(pk)",
               ExpressionAttributeValues={":v": N(1)})]}),
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}")
    u.expect_validation(_twi(port, {"TransactItems": [
        _delete(missing, {"pk": S("a")}),
        _put(hash_table, {"pk": S("b")}, ConditionExpression="attribute_not_exists(")]}),
        'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("')


def test_client_request_token_length(port, ddb, hash_table):
    items = [_put(hash_table, {"pk": S("a")})]
    code, message, status = u.failure(ddb.transact_write_items, TransactItems=items,
                                      ClientRequestToken="t" * 37)
    assert (code, status) == ("ValidationException", 400)
    assert "clientRequestToken" in message
    assert "Member must have length less than or equal to 36" in message
    u.expect_validation(_twi(port, {"TransactItems": items, "ClientRequestToken": "t" * 37}),
                        "1 validation error detected: Value '" + "t" * 37 + "' at "
                        "'clientRequestToken' failed to satisfy constraint: Member must have "
                        "length less than or equal to 36")
    assert _get(ddb, hash_table, {"pk": S("a")}) is None
    ddb.transact_write_items(TransactItems=items, ClientRequestToken="t" * 36)
    assert _get(ddb, hash_table, {"pk": S("a")}) == {"pk": S("a")}


def test_update_of_a_key_attribute(ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "v": N(1)})
    for action in (_update(hash_table, {"pk": S("a")}, "SET pk = :x", {":x": S("b")}),
                   _update(range_table, {"pk": S("a"), "sk": S("s")}, "REMOVE sk"),
                   _update(range_table, {"pk": S("a"), "sk": S("s")}, "SET sk = :x",
                           {":x": S("t")})):
        code, _, status = u.failure(ddb.transact_write_items, TransactItems=[
            _put(hash_table, {"pk": S("ok")}), action])
        assert (code, status) == ("ValidationException", 400)
    assert _get(ddb, hash_table, {"pk": S("a")}) == {"pk": S("a"), "v": N(1)}
    assert _get(ddb, hash_table, {"pk": S("ok")}) is None
    assert ddb.scan(TableName=range_table, ConsistentRead=True)["Count"] == 0


# ---- ClientRequestToken --------------------------------------------------------------------


def _counter_items(table, key):
    return [_update(table, key, "ADD c :one", {":one": N(1)})]


def test_token_replay_applies_once(ddb, hash_table):
    key = {"pk": S("counter")}
    token = u.unique_name("tok")
    for _ in range(3):
        resp = ddb.transact_write_items(TransactItems=_counter_items(hash_table, key),
                                        ClientRequestToken=token)
        assert _body(resp) == {}
    assert _get(ddb, hash_table, key) == dict(key, c=N(1))
    # Another token is another transaction.
    ddb.transact_write_items(TransactItems=_counter_items(hash_table, key),
                             ClientRequestToken=u.unique_name("tok"))
    ddb.transact_write_items(TransactItems=_counter_items(hash_table, key))
    assert _get(ddb, hash_table, key) == dict(key, c=N(3))


def test_token_replay_reports_read_capacity(ddb, hash_table):
    item = u.sized_item({"pk": S("big")}, 1536)
    token = u.unique_name("tok")
    kwargs = dict(TransactItems=[_put(hash_table, item)], ClientRequestToken=token,
                  ReturnConsumedCapacity="TOTAL")
    first = ddb.transact_write_items(**kwargs)
    assert first["ConsumedCapacity"] == [
        {"TableName": hash_table, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}]
    ddb.put_item(TableName=hash_table, Item={"pk": S("big"), "changed": S("yes")})
    replay = ddb.transact_write_items(**kwargs)
    assert replay["ConsumedCapacity"] == [
        {"TableName": hash_table, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}]
    # The replay changed nothing.
    assert _get(ddb, hash_table, {"pk": S("big")}) == {"pk": S("big"), "changed": S("yes")}


def test_token_replay_capacity_per_table(ddb, two_tables):
    first, second = two_tables
    token = u.unique_name("tok")
    items = [_put(second, {"pk": S("a"), "sk": S("b")}),
             _update(first, {"pk": S("a")}, "ADD c :one", {":one": N(1)}),
             _put(first, {"pk": S("b")})]
    resp = ddb.transact_write_items(TransactItems=items, ClientRequestToken=token,
                                    ReturnConsumedCapacity="INDEXES")
    assert resp["ConsumedCapacity"] == [
        {"TableName": first, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0,
         "Table": {"CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}},
        {"TableName": second, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0,
         "Table": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}}]
    resp = ddb.transact_write_items(TransactItems=items, ClientRequestToken=token,
                                    ReturnConsumedCapacity="INDEXES")
    assert resp["ConsumedCapacity"] == [
        {"TableName": first, "CapacityUnits": 4.0, "ReadCapacityUnits": 4.0,
         "Table": {"CapacityUnits": 4.0, "ReadCapacityUnits": 4.0}},
        {"TableName": second, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0,
         "Table": {"CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}}]
    assert _get(ddb, first, {"pk": S("a")})["c"] == N(1)


def test_token_used_by_concurrent_identical_calls_applies_once(endpoint, ddb, hash_table):
    key = {"pk": S("counter")}
    token = u.unique_name("tok")
    clients = [u.make_client(endpoint) for _ in range(6)]
    outcomes = []
    start = threading.Barrier(len(clients))

    def call(client):
        start.wait()
        try:
            client.transact_write_items(TransactItems=_counter_items(hash_table, key),
                                        ClientRequestToken=token)
            outcomes.append("ok")
        except ClientError as e:
            outcomes.append(e.response["Error"]["Code"])
        except Exception as e:  # noqa: BLE001
            outcomes.append(repr(e))

    threads = [threading.Thread(target=call, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # A call that overlaps the first one may be told it is still in progress; nothing else.
    assert len(outcomes) == len(clients)
    assert set(outcomes) <= {"ok", "TransactionInProgressException"}, outcomes
    assert "ok" in outcomes
    assert _get(ddb, hash_table, key) == dict(key, c=N(1))


def test_token_with_different_parameters(ddb, hash_table, range_table):
    key = {"pk": S("counter")}
    token = u.unique_name("tok")
    ddb.transact_write_items(TransactItems=_counter_items(hash_table, key),
                             ClientRequestToken=token)
    others = [
        [_update(hash_table, key, "ADD c :two", {":two": N(2)})],
        [_update(hash_table, {"pk": S("other")}, "ADD c :one", {":one": N(1)})],
        _counter_items(range_table, {"pk": S("counter"), "sk": S("s")}),
        _counter_items(hash_table, key) + [_put(hash_table, {"pk": S("extra")})],
    ]
    for items in others:
        code, _, status = u.failure(ddb.transact_write_items, TransactItems=items,
                                    ClientRequestToken=token)
        assert (code, status) == ("IdempotentParameterMismatchException", 400)
    assert _get(ddb, hash_table, key) == dict(key, c=N(1))
    assert _get(ddb, hash_table, {"pk": S("other")}) is None
    assert _get(ddb, hash_table, {"pk": S("extra")}) is None
    assert ddb.scan(TableName=range_table, ConsistentRead=True)["Count"] == 0


def _reversed_members(value):
    """The same JSON value with the members of every object in reverse order."""
    if isinstance(value, dict):
        return {k: _reversed_members(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_members(x) for x in value]
    return value


def test_token_member_order_does_not_matter(port, ddb, hash_table):
    key = {"pk": S("counter")}
    body = {"ClientRequestToken": u.unique_name("tok"), "TransactItems": [
        {"Update": {"TableName": hash_table, "Key": key, "UpdateExpression": "ADD c :one, d :two",
                    "ExpressionAttributeValues": {":one": N(1), ":two": N(2)},
                    "ConditionExpression": "attribute_not_exists(x)"}},
        {"Put": {"TableName": hash_table, "Item": {"pk": S("p"), "a": S("a"), "b": S("b")}}}]}
    flipped = _reversed_members(body)
    assert json.dumps(flipped) != json.dumps(body)
    r = _twi(port, body)
    assert (r.status, r.json()) == (200, {}), r
    r = _twi(port, flipped)
    assert (r.status, r.json()) == (200, {}), r
    assert _get(ddb, hash_table, key) == dict(key, c=N(1), d=N(2))


def test_cancelled_call_does_not_use_up_the_token(ddb, hash_table):
    key = {"pk": S("counter")}
    token = u.unique_name("tok")
    items = _counter_items(hash_table, key) + [
        _check(hash_table, {"pk": S("gate")}, "attribute_exists(pk)")]
    assert _cancelled(ddb, items, ClientRequestToken=token) == [NONE, CCF]
    assert _get(ddb, hash_table, key) is None
    ddb.put_item(TableName=hash_table, Item={"pk": S("gate")})
    assert _body(ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)) == {}
    assert _get(ddb, hash_table, key) == dict(key, c=N(1))
    # From now on the token is taken: a replay writes nothing.
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert _get(ddb, hash_table, key) == dict(key, c=N(1))


# ---- TransactGetItems ----------------------------------------------------------------------


def _get_action(table, key, **kw):
    return {"Get": dict(TableName=table, Key=key, **kw)}


def test_get_responses_in_request_order(port, ddb, hash_table, range_table):
    a = {"pk": S("a"), "v": N(1), "s": {"NS": ["1", "2"]}}
    r1 = {"pk": S("r"), "sk": S("1"), "b": {"B": b"\x01"}}
    ddb.put_item(TableName=hash_table, Item=a)
    ddb.put_item(TableName=range_table, Item=r1)
    resp = ddb.transact_get_items(TransactItems=[
        _get_action(range_table, {"pk": S("r"), "sk": S("1")}),
        _get_action(hash_table, {"pk": S("missing")}),
        _get_action(hash_table, {"pk": S("a")}),
        _get_action(range_table, {"pk": S("r"), "sk": S("2")}),
    ])
    assert _body(resp).keys() == {"Responses"}
    got = resp["Responses"]
    assert len(got) == 4
    assert got[0] == {"Item": r1}
    assert got[1] == {}
    assert u.normalize_item(got[2]["Item"]) == u.normalize_item(a) and got[2].keys() == {"Item"}
    assert got[3] == {}
    r = _tgi(port, {"TransactItems": [_get_action(hash_table, {"pk": S("missing")}),
                                      _get_action(hash_table, {"pk": S("a")})]})
    assert r.status == 200, r
    assert r.json()["Responses"][0] == {}
    assert set(r.json()) == {"Responses"}


def test_get_returns_every_type_as_written(ddb, bin_range_table):
    key = {"pk": {"B": b"\x00\xff"}, "sk": {"B": b"k"}}
    item = dict(key, s=S("caf\u00e9"), n=N("-12.50"), b={"B": b"\x01\x02"},
                ss={"SS": ["x", "y"]}, ns={"NS": ["1", "2.5"]}, bs={"BS": [b"\x00", b"\x01"]},
                t={"BOOL": True}, z={"NULL": True},
                l={"L": [S("a"), {"M": {"deep": {"L": [N(1)]}}}]},
                m={"M": {"e": {"S": ""}, "f": {"BOOL": False}}})
    ddb.transact_write_items(TransactItems=[_put(bin_range_table, item)])
    resp = ddb.transact_get_items(TransactItems=[_get_action(bin_range_table, key)])
    got = resp["Responses"][0]["Item"]
    expected = dict(item, n=N("-12.5"))
    assert u.normalize_item(got) == u.normalize_item(expected)


def test_get_projection(ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a"), "name": S("n"), "m": {"M": {
        "x": N(1), "y": N(2)}}, "other": S("o")})
    ddb.put_item(TableName=range_table, Item={"pk": S("a"), "sk": S("b"), "v": N(1),
                                              "w": N(2)})
    resp = ddb.transact_get_items(TransactItems=[
        _get_action(hash_table, {"pk": S("a")}, ProjectionExpression="#n, m.y, #p",
                    ExpressionAttributeNames={"#n": "name", "#p": "pk"}),
        _get_action(range_table, {"pk": S("a"), "sk": S("b")}, ProjectionExpression="w"),
        _get_action(range_table, {"pk": S("a"), "sk": S("c")}, ProjectionExpression="w"),
    ])
    assert resp["Responses"] == [
        {"Item": {"name": S("n"), "m": {"M": {"y": N(2)}}, "pk": S("a")}},
        {"Item": {"w": N(2)}},
        {},
    ]


def test_get_expression_errors(port, hash_table):
    key = {"pk": S("a")}
    r = _tgi(port, {"TransactItems": [_get_action(hash_table, key,
                                                  ProjectionExpression="!!")]})
    u.expect_validation(r, 'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"')
    r = _tgi(port, {"TransactItems": [_get_action(hash_table, key, ProjectionExpression="#x")]})
    assert (r.status, r.json()["__type"]) == (400, u.T_VALIDATION), r
    r = _tgi(port, {"TransactItems": [_get_action(hash_table, key, ProjectionExpression="a",
                                                  ExpressionAttributeNames={"#x": "x"})]})
    assert (r.status, r.json()["__type"]) == (400, u.T_VALIDATION), r


def test_get_missing_table(port, ddb, hash_table):
    missing = u.unique_name("missing")
    items = [_get_action(hash_table, {"pk": S("a")}), _get_action(missing, {"pk": S("a")})]
    u.expect_error(_tgi(port, {"TransactItems": items}), u.T_NOT_FOUND,
                   "Requested resource not found")
    assert u.failure(ddb.transact_get_items, TransactItems=items) == (
        "ResourceNotFoundException", "Requested resource not found", 400)


def test_get_same_item_twice(port, ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a")})
    items = [_get_action(hash_table, {"pk": S("a")}), _get_action(hash_table, {"pk": S("b")}),
             _get_action(hash_table, {"pk": S("a")})]
    u.expect_validation(_tgi(port, {"TransactItems": items}), MULTIPLE_OPS)
    assert u.failure(ddb.transact_get_items, TransactItems=items) == (
        "ValidationException", MULTIPLE_OPS, 400)
    u.expect_validation(_tgi(port, {"TransactItems": [
        _get_action(range_table, {"pk": S("p"), "sk": S("s")}),
        _get_action(range_table, {"sk": S("s"), "pk": S("p")})]}), MULTIPLE_OPS)
    # Another table or another sort key is another item.
    resp = ddb.transact_get_items(TransactItems=[
        _get_action(hash_table, {"pk": S("a")}),
        _get_action(range_table, {"pk": S("a"), "sk": S("s")}),
        _get_action(range_table, {"pk": S("a"), "sk": S("t")})])
    assert resp["Responses"] == [{"Item": {"pk": S("a")}}, {}, {}]


def test_get_key_of_the_wrong_type_cancels(ddb, hash_table, range_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("a")})
    reasons = _cancelled_get(ddb, [_get_action(hash_table, {"pk": S("a")}),
                                   _get_action(range_table, {"pk": S("a"), "sk": N(1)})])
    assert reasons[0] == NONE
    assert reasons[1]["Code"] == "ValidationError"
    reasons = _cancelled_get(ddb, [_get_action(hash_table, {"pk": N(1)}),
                                   _get_action(hash_table, {"pk": S("a")})])
    assert reasons[0]["Code"] == "ValidationError" and reasons[1] == NONE
    # A key without its attributes cancels the same way.
    reasons = _cancelled_get(ddb, [_get_action(hash_table, {"pk": S("a")}),
                                   _get_action(range_table, {})])
    assert reasons[0] == NONE and reasons[1]["Code"] == "ValidationError"


def test_get_more_than_one_hundred_or_no_items(port, ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={"pk": S("k050")})
    items = [_get_action(hash_table, {"pk": S(f"k{i:03d}")}) for i in range(101)]
    u.expect_validation(_tgi(port, {"TransactItems": items}), TOO_MANY)
    assert u.failure(ddb.transact_get_items, TransactItems=items)[0] == "ValidationException"
    resp = ddb.transact_get_items(TransactItems=items[:100])
    assert len(resp["Responses"]) == 100
    assert resp["Responses"][50] == {"Item": {"pk": S("k050")}}
    assert all(r == {} for i, r in enumerate(resp["Responses"]) if i != 50)
    u.expect_validation(_tgi(port, {"TransactItems": []}), TOO_FEW)


# ---- ConsumedCapacity ----------------------------------------------------------------------


@pytest.fixture
def two_tables(ddb):
    """Two tables whose names sort as (first, second), created second-first."""
    stem = u.unique_name("cap")
    first, second = stem + "-a", stem + "-b"
    u.create_table(ddb, second, range_key=("sk", "S"))
    u.create_table(ddb, first)
    return first, second


def test_write_consumed_capacity(port, ddb, two_tables):
    first, second = two_tables
    ddb.put_item(TableName=first, Item={"pk": S("checked"), "v": N(1)})
    ddb.put_item(TableName=second, Item={"pk": S("d"), "sk": S("d")})
    ddb.put_item(TableName=second, Item={"pk": S("u"), "sk": S("u"), "n": N(1)})
    # Listed second-table first: the answer is sorted by table name anyway.
    items = [
        _put(second, u.sized_item({"pk": S("p1"), "sk": S("s")}, 3000)),   # 2 x 3
        _delete(second, {"pk": S("d"), "sk": S("d")}),                     # 2
        _update(second, {"pk": S("u"), "sk": S("u")}, "ADD n :one", {":one": N(1)}),  # 2
        _put(first, u.sized_item({"pk": S("small")}, 100)),                 # 2
        _put(first, u.sized_item({"pk": S("k1024")}, 1024)),                # 2
        _put(first, u.sized_item({"pk": S("k1025")}, 1025)),                # 4
        _put(first, u.sized_item({"pk": S("k2049")}, 2049)),                # 6
        _check(first, {"pk": S("checked")}, "v = :one",
               ExpressionAttributeValues={":one": N(1)}),                   # 2
    ]
    resp = ddb.transact_write_items(TransactItems=items, ReturnConsumedCapacity="TOTAL")
    assert _body(resp) == {"ConsumedCapacity": [
        {"TableName": first, "CapacityUnits": 16.0, "WriteCapacityUnits": 16.0},
        {"TableName": second, "CapacityUnits": 10.0, "WriteCapacityUnits": 10.0},
    ]}
    # The raw answer has the same shape.
    r = _twi(port, {"ReturnConsumedCapacity": "TOTAL", "TransactItems": [
        _put(second, {"pk": S("x"), "sk": S("y")})]})
    assert (r.status, r.json()) == (200, {"ConsumedCapacity": [
        {"TableName": second, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}]}), r


def test_write_consumed_capacity_indexes(ddb, two_tables):
    first, second = two_tables
    ddb.put_item(TableName=first, Item={"pk": S("c")})
    resp = ddb.transact_write_items(ReturnConsumedCapacity="INDEXES", TransactItems=[
        _put(second, {"pk": S("a"), "sk": S("b")}),
        _put(first, u.sized_item({"pk": S("big")}, 1500)),
        _check(first, {"pk": S("c")}, "attribute_exists(pk)"),
    ])
    assert resp["ConsumedCapacity"] == [
        {"TableName": first, "CapacityUnits": 6.0, "WriteCapacityUnits": 6.0,
         "Table": {"CapacityUnits": 6.0, "WriteCapacityUnits": 6.0}},
        {"TableName": second, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0,
         "Table": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}},
    ]


def test_no_consumed_capacity_unless_asked(port, ddb, hash_table):
    resp = ddb.transact_write_items(TransactItems=[_put(hash_table, {"pk": S("a")})])
    assert "ConsumedCapacity" not in resp
    resp = ddb.transact_write_items(TransactItems=[_put(hash_table, {"pk": S("b")})],
                                    ReturnConsumedCapacity="NONE")
    assert "ConsumedCapacity" not in resp
    resp = ddb.transact_get_items(TransactItems=[_get_action(hash_table, {"pk": S("a")})])
    assert _body(resp) == {"Responses": [{"Item": {"pk": S("a")}}]}
    r = _tgi(port, {"TransactItems": [_get_action(hash_table, {"pk": S("a")})],
                    "ReturnConsumedCapacity": "NONE"})
    assert (r.status, r.json()) == (200, {"Responses": [{"Item": {"pk": S("a")}}]}), r


def test_get_consumed_capacity(ddb, two_tables):
    first, second = two_tables
    for pk, size in (("small", 100), ("k4096", 4096), ("k4097", 4097), ("k9000", 9000)):
        ddb.put_item(TableName=first, Item=u.sized_item({"pk": S(pk)}, size))
    ddb.put_item(TableName=second, Item={"pk": S("a"), "sk": S("b")})
    items = [
        _get_action(second, {"pk": S("a"), "sk": S("b")}),               # 2
        _get_action(second, {"pk": S("a"), "sk": S("missing")}),         # 2
        _get_action(first, {"pk": S("small")}),                          # 2
        _get_action(first, {"pk": S("k4096")}),                          # 2
        _get_action(first, {"pk": S("k4097")}),                          # 4
        _get_action(first, {"pk": S("k9000")}, ProjectionExpression="pk"),  # 6
        _get_action(first, {"pk": S("missing")}),                        # 2
    ]
    resp = ddb.transact_get_items(TransactItems=items, ReturnConsumedCapacity="TOTAL")
    assert resp["ConsumedCapacity"] == [
        {"TableName": first, "CapacityUnits": 16.0, "ReadCapacityUnits": 16.0},
        {"TableName": second, "CapacityUnits": 4.0, "ReadCapacityUnits": 4.0},
    ]
    assert [len(r) for r in resp["Responses"]] == [1, 0, 1, 1, 1, 1, 0]
    resp = ddb.transact_get_items(TransactItems=items[:2], ReturnConsumedCapacity="INDEXES")
    assert resp["ConsumedCapacity"] == [
        {"TableName": second, "CapacityUnits": 4.0, "ReadCapacityUnits": 4.0,
         "Table": {"CapacityUnits": 4.0, "ReadCapacityUnits": 4.0}}]


# ---- Concurrency ---------------------------------------------------------------------------


def _is_conflict(resp):
    """A cancellation caused only by transaction conflicts (allowed under contention)."""
    reasons = resp.get("CancellationReasons") or []
    return (resp["Error"]["Code"] == "TransactionCanceledException"
            and any(r["Code"] == "TransactionConflict" for r in reasons)
            and all(r["Code"] in ("None", "TransactionConflict") for r in reasons))


def test_concurrent_transfers_keep_the_total(endpoint, ddb, accounts_table):
    accounts = [f"acct{i:02d}" for i in range(10)]
    for a in accounts:
        ddb.put_item(TableName=accounts_table, Item={"pk": S(a), "balance": N(1000)})
    writers, readers = 6, 3
    clients = [u.make_client(endpoint) for _ in range(writers + readers)]
    stop = threading.Event()
    errors = []
    deltas = [dict.fromkeys(accounts, 0) for _ in range(writers)]
    stats = {"ok": [0] * writers, "insufficient": [0] * writers, "snapshots": [0] * readers}

    def writer(n):
        rng = random.Random(1000 + n)
        client = clients[n]
        try:
            while not stop.is_set():
                src, dst = rng.sample(accounts, 2)
                amount = rng.randint(1, 400)
                try:
                    client.transact_write_items(TransactItems=[
                        _update(accounts_table, {"pk": S(src)}, "SET balance = balance - :amt",
                                {":amt": N(amount)}, ConditionExpression="balance >= :amt"),
                        _update(accounts_table, {"pk": S(dst)}, "SET balance = balance + :amt",
                                {":amt": N(amount)}),
                    ])
                except ClientError as e:
                    resp = e.response
                    if (resp["Error"]["Code"] == "TransactionCanceledException"
                            and [r["Code"] for r in resp["CancellationReasons"]]
                            == ["ConditionalCheckFailed", "None"]):
                        stats["insufficient"][n] += 1
                        continue
                    if _is_conflict(resp):
                        continue
                    raise
                deltas[n][src] -= amount
                deltas[n][dst] += amount
                stats["ok"][n] += 1
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(f"writer {n}: {e!r}")
            stop.set()

    def reader(n):
        client = clients[writers + n]
        keys = [_get_action(accounts_table, {"pk": S(a)}) for a in accounts]
        try:
            while not stop.is_set():
                try:
                    resp = client.transact_get_items(TransactItems=keys)
                except ClientError as e:
                    if _is_conflict(e.response):
                        continue
                    raise
                balances = [int(r["Item"]["balance"]["N"]) for r in resp["Responses"]]
                if sum(balances) != 10000 or min(balances) < 0:
                    errors.append(f"reader {n}: inconsistent snapshot {balances}")
                    stop.set()
                    return
                stats["snapshots"][n] += 1
        except Exception as e:  # noqa: BLE001
            errors.append(f"reader {n}: {e!r}")
            stop.set()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    threads += [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    for t in threads:
        t.start()
    stop.wait(2.5)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert sum(stats["ok"]) > 0, stats
    assert all(count > 0 for count in stats["snapshots"]), stats

    items = ddb.scan(TableName=accounts_table, ConsistentRead=True)["Items"]
    final = {it["pk"]["S"]: int(it["balance"]["N"]) for it in items}
    assert sorted(final) == accounts
    assert sum(final.values()) == 10000
    assert min(final.values()) >= 0
    # Every successful transfer, and nothing else, was applied.
    expected = {a: 1000 + sum(d[a] for d in deltas) for a in accounts}
    assert final == expected
    got = ddb.batch_get_item(RequestItems={accounts_table: {
        "Keys": [{"pk": S(a)} for a in accounts], "ConsistentRead": True}})
    assert sum(int(it["balance"]["N"]) for it in got["Responses"][accounts_table]) == 10000


def test_transactions_and_plain_writes_lose_no_update(endpoint, ddb, hash_table, range_table):
    key = {"pk": S("counter")}
    ddb.put_item(TableName=hash_table, Item=dict(key, c=N(0)))
    threads_n, per_thread = 6, 30
    clients = [u.make_client(endpoint) for _ in range(threads_n)]
    errors = []
    applied = [0] * threads_n
    tx_applied = [0] * threads_n

    def increment(client, n, i):
        """One increment of c by some route; True when it also counted itself in range_table."""
        mode = (n + i) % 4
        if mode == 0:
            client.update_item(TableName=hash_table, Key=key, UpdateExpression="ADD c :one",
                               ExpressionAttributeValues={":one": N(1)})
            return False
        if mode == 1:
            # The transaction also counts itself in a second table (listed first or second).
            actions = [_update(hash_table, key, "ADD c :one", {":one": N(1)}),
                       _update(range_table, {"pk": S("tx"), "sk": S("count")}, "ADD c :one",
                               {":one": N(1)})]
            client.transact_write_items(TransactItems=actions[::1 if i % 2 else -1])
            return True
        if mode == 2:
            client.transact_write_items(TransactItems=[
                _update(hash_table, key, "SET c = c + :one", {":one": N(1)})])
            return False
        # Read, then a conditional PutItem of the whole item (retried when it lost the race).
        while True:
            item = client.get_item(TableName=hash_table, Key=key, ConsistentRead=True)["Item"]
            new = dict(item, c=N(int(item["c"]["N"]) + 1))
            try:
                client.put_item(TableName=hash_table, Item=new, ConditionExpression="c = :old",
                                ExpressionAttributeValues={":old": item["c"]})
                return False
            except ClientError as e:
                if e.response["Error"]["Code"] not in ("ConditionalCheckFailedException",
                                                       "TransactionConflictException"):
                    raise

    def worker(n):
        client = clients[n]
        try:
            for i in range(per_thread):
                while True:
                    try:
                        was_tx = increment(client, n, i)
                        break
                    except ClientError as e:
                        resp = e.response
                        if resp["Error"]["Code"] == "TransactionConflictException" \
                                or _is_conflict(resp):
                            continue  # not applied; try again
                        raise
                applied[n] += 1
                tx_applied[n] += was_tx
        except Exception as e:  # noqa: BLE001
            errors.append(f"worker {n}: {e!r}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert sum(applied) == threads_n * per_thread
    assert _get(ddb, hash_table, key) == dict(key, c=N(threads_n * per_thread))
    assert _get(ddb, range_table, {"pk": S("tx"), "sk": S("count")})["c"] == N(sum(tx_applied))
    assert sum(tx_applied) > 0
