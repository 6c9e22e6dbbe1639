"""Time to Live: UpdateTimeToLive, DescribeTimeToLive and the background sweeper that deletes
expired items.

- DescribeTimeToLive: `{"TimeToLiveStatus":"DISABLED"}` without AttributeName on a table that
  never had TTL, ENABLED with the attribute at once after enabling (no ENABLING phase); the
  UpdateTimeToLive answer echoes the specification; DescribeTable says nothing about TTL and
  the table stays ACTIVE.
- UpdateTimeToLive errors (ValidationException): "TimeToLive is already enabled", "... active on
  a different AttributeName: current AttributeName is <a>" (enabling or disabling), "TimeToLive
  is already disabled", the cooldown "Time to live has been modified multiple times within a
  fixed interval" after a successful change (content errors win over it); the constraint
  messages for a null specification / attributeName / enabled (collected into one "N
  validation errors detected" message, checked before the table lookup), an AttributeName of 0
  or 256 characters (255 is fine); SerializationException for members of the wrong JSON type;
  bad table names and a missing TableName answered exactly like DescribeTable; both operations
  on a missing table: ResourceNotFoundException "Requested resource not found: Table: <t> not
  found".
- The sweeper: an item whose TTL attribute is a top-level Number of epoch seconds in the past
  (integer, fraction, exponent, up to five years old) is deleted within a few seconds, also when
  written before TTL was enabled and whatever wrote it (PutItem, UpdateItem, BatchWriteItem,
  TransactWriteItems); a future value, a missing attribute, a String, a list, a set, a map, a
  value more than five years old, another attribute name or a table without TTL are never
  expired; moving the value to the future (or removing it) before expiry keeps the item;
  ItemCount / TableSizeBytes follow the deletions; a key attribute can be the TTL attribute.
- Persistence: the TTL setting and its cooldown survive a graceful restart (and kill -9) of a
  disk-backed server, and the sweeper keeps working afterwards, also for items written before
  it; DeleteTable forgets the setting (a re-created table of the same name is DISABLED, takes
  no cooldown over and keeps its past-dated items until TTL is enabled on it).

Messages and behaviours: /work/notes/ttl-spec.md (real DynamoDB as probed by the "ack-api-quirks"
lab, ScyllaDB's Alternator tests written against AWS, the API reference and the Developer Guide).
Waits poll: the sweeper runs about once a second.
"""

import time

import pytest

import ddbx_util as u

ATTR = "exp"
FIVE_YEARS = 5 * 365 * 86400
SWEEP_TIMEOUT = 12.0   # seconds within which an expired item must be gone
SETTLE = 1.5           # after the sweeper demonstrably ran, one more pass for the survivors

ALREADY_ENABLED = "TimeToLive is already enabled"
ALREADY_DISABLED = "TimeToLive is already disabled"
COOLDOWN = "Time to live has been modified multiple times within a fixed interval"
NOT_FOUND = "Requested resource not found: Table: {} not found"


def different(current):
    return ("TimeToLive is active on a different AttributeName: current AttributeName is "
            + current)


def null_at(path):
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


def validation(*parts):
    if len(parts) == 1:
        return "1 validation error detected: " + parts[0]
    return f"{len(parts)} validation errors detected: " + "; ".join(parts)


def S(x):
    return {"S": x}


def N(x):
    return {"N": str(x)}


def now():
    return int(time.time())


def _spec(attr, enabled):
    return {"AttributeName": attr, "Enabled": enabled}


def _update(port, table, spec):
    return u.call(port, "UpdateTimeToLive", {"TableName": table, "TimeToLiveSpecification": spec})


def _describe(port, table):
    return u.call(port, "DescribeTimeToLive", {"TableName": table})


def _enable(ddb, table, attr=ATTR):
    resp = ddb.update_time_to_live(TableName=table, TimeToLiveSpecification=_spec(attr, True))
    assert resp["TimeToLiveSpecification"] == {"AttributeName": attr, "Enabled": True}


def _ttl_table(ddb, attr=ATTR, **kw):
    name = u.unique_name("ttl")
    u.create_table(ddb, name, **kw)
    _enable(ddb, name, attr)
    return name


def _get(ddb, table, key):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def _wait_gone(ddb, table, keys, timeout=SWEEP_TIMEOUT):
    """Polls GetItem until none of `keys` is there; fails naming the survivors otherwise."""
    deadline = time.monotonic() + timeout
    left = list(keys)
    while True:
        left = [k for k in left if _get(ddb, table, k) is not None]
        if not left:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not expired within {timeout}s in {table}: {left}")
        time.sleep(0.1)


def _assert_present(ddb, table, items):
    for item in items:
        key = {k: item[k] for k in item if k in ("pk", "sk")}
        got = _get(ddb, table, key)
        assert got is not None, f"{key} was deleted from {table}"
        assert u.normalize_item(got) == u.normalize_item(item)


def _sweep_witness(ddb, table=None):
    """Proves the sweeper has run since now: puts an already expired item into a TTL table
    (a new one unless given), waits for it to go, then lets one more pass happen."""
    table = table or _ttl_table(ddb)
    key = {"pk": S(u.unique_name("witness"))}
    ddb.put_item(TableName=table, Item=dict(key, exp=N(now() - 10)))
    _wait_gone(ddb, table, [key])
    time.sleep(SETTLE)


def _counts(ddb, table):
    t = ddb.describe_table(TableName=table)["Table"]
    return t["ItemCount"], t["TableSizeBytes"]


def _scan_keys(ddb, table):
    items, kw = [], {}
    while True:
        page = ddb.scan(TableName=table, ConsistentRead=True, **kw)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(it["pk"]["S"] for it in items)
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# ---- DescribeTimeToLive / UpdateTimeToLive: the happy path ----------------------------------


def test_describe_table_that_never_had_ttl(ddb, port, hash_table):
    r = _describe(port, hash_table)
    assert (r.status, r.json()) == (
        200, {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}), r
    desc = ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"]
    assert desc == {"TimeToLiveStatus": "DISABLED"}


def test_enable_is_echoed_and_enabled_at_once(ddb, port, hash_table):
    r = _update(port, hash_table, _spec(ATTR, True))
    assert (r.status, r.json()) == (
        200, {"TimeToLiveSpecification": {"AttributeName": ATTR, "Enabled": True}}), r
    r = _describe(port, hash_table)
    assert (r.status, r.json()) == (200, {"TimeToLiveDescription": {
        "TimeToLiveStatus": "ENABLED", "AttributeName": ATTR}}), r
    desc = ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"]
    assert desc == {"TimeToLiveStatus": "ENABLED", "AttributeName": ATTR}
    # TTL is its own sub-resource: DescribeTable does not show it and the table stays ACTIVE.
    table = ddb.describe_table(TableName=hash_table)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert not any("TimeToLive" in k for k in table), table


def test_attribute_name_of_255_characters(ddb, hash_table):
    name = "a" * 255
    _enable(ddb, hash_table, name)
    desc = ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"]
    assert desc == {"TimeToLiveStatus": "ENABLED", "AttributeName": name}


# ---- Semantic errors and the cooldown --------------------------------------------------------


def test_enable_again_is_already_enabled(ddb, port, hash_table):
    _enable(ddb, hash_table)
    # Right after the change, inside the cooldown: the content error is what is reported.
    u.expect_validation(_update(port, hash_table, _spec(ATTR, True)), ALREADY_ENABLED)
    assert u.failure(ddb.update_time_to_live, TableName=hash_table,
                     TimeToLiveSpecification=_spec(ATTR, True)) == (
        "ValidationException", ALREADY_ENABLED, 400)


@pytest.mark.parametrize("enabled", [True, False])
def test_other_attribute_while_enabled(ddb, port, hash_table, enabled):
    _enable(ddb, hash_table)
    u.expect_validation(_update(port, hash_table, _spec("other", enabled)), different(ATTR))
    # Attribute names are case-sensitive.
    u.expect_validation(_update(port, hash_table, _spec("EXP", enabled)), different(ATTR))
    desc = ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"]
    assert desc == {"TimeToLiveStatus": "ENABLED", "AttributeName": ATTR}


def test_disable_when_never_enabled(ddb, port, hash_table):
    u.expect_validation(_update(port, hash_table, _spec(ATTR, False)), ALREADY_DISABLED)
    u.expect_validation(_update(port, hash_table, _spec("other", False)), ALREADY_DISABLED)
    assert u.failure(ddb.update_time_to_live, TableName=hash_table,
                     TimeToLiveSpecification=_spec(ATTR, False)) == (
        "ValidationException", ALREADY_DISABLED, 400)
    desc = ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"]
    assert desc == {"TimeToLiveStatus": "DISABLED"}


def test_second_change_within_the_cooldown(ddb, port, hash_table):
    _enable(ddb, hash_table)
    u.expect_validation(_update(port, hash_table, _spec(ATTR, False)), COOLDOWN)
    assert u.failure(ddb.update_time_to_live, TableName=hash_table,
                     TimeToLiveSpecification=_spec(ATTR, False)) == (
        "ValidationException", COOLDOWN, 400)
    # Content errors are still checked first, and the refused change changed nothing.
    u.expect_validation(_update(port, hash_table, _spec(ATTR, True)), ALREADY_ENABLED)
    u.expect_validation(_update(port, hash_table, _spec("other", False)), different(ATTR))
    desc = ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"]
    assert desc == {"TimeToLiveStatus": "ENABLED", "AttributeName": ATTR}


def test_missing_table(ddb, port):
    name = u.unique_name("missing")
    message = NOT_FOUND.format(name)
    u.expect_error(_describe(port, name), u.T_NOT_FOUND, message)
    u.expect_error(_update(port, name, _spec(ATTR, True)), u.T_NOT_FOUND, message)
    u.expect_error(_update(port, name, _spec(ATTR, False)), u.T_NOT_FOUND, message)
    assert u.failure(ddb.describe_time_to_live, TableName=name) == (
        "ResourceNotFoundException", message, 400)
    assert u.failure(ddb.update_time_to_live, TableName=name,
                     TimeToLiveSpecification=_spec(ATTR, True)) == (
        "ResourceNotFoundException", message, 400)


def test_missing_table_after_delete(ddb, port):
    name = u.unique_name("deleted")
    u.create_table(ddb, name)
    _enable(ddb, name)
    ddb.delete_table(TableName=name)
    u.wait_gone(ddb, name)
    u.expect_error(_describe(port, name), u.T_NOT_FOUND, NOT_FOUND.format(name))
    u.expect_error(_update(port, name, _spec(ATTR, False)), u.T_NOT_FOUND, NOT_FOUND.format(name))


# ---- Request validation ----------------------------------------------------------------------

MISSING_SPEC = null_at("timeToLiveSpecification")
MISSING_NAME = null_at("timeToLiveSpecification.attributeName")
MISSING_ENABLED = null_at("timeToLiveSpecification.enabled")


@pytest.mark.parametrize("body, parts", [
    ({}, [MISSING_SPEC]),
    ({"TimeToLiveSpecification": None}, [MISSING_SPEC]),
    ({"TimeToLiveSpecification": {"Enabled": True}}, [MISSING_NAME]),
    ({"TimeToLiveSpecification": {"Enabled": False}}, [MISSING_NAME]),
    ({"TimeToLiveSpecification": {"AttributeName": None, "Enabled": True}}, [MISSING_NAME]),
    ({"TimeToLiveSpecification": {"AttributeName": ATTR}}, [MISSING_ENABLED]),
    ({"TimeToLiveSpecification": {"AttributeName": ATTR, "Enabled": None}}, [MISSING_ENABLED]),
    ({"TimeToLiveSpecification": {}}, [MISSING_NAME, MISSING_ENABLED]),
    ({"TimeToLiveSpecification": {"Enabled": None, "AttributeName": None}},
     [MISSING_NAME, MISSING_ENABLED]),
], ids=["no-spec", "null-spec", "no-name-enable", "no-name-disable", "null-name", "no-enabled",
        "null-enabled", "empty-spec", "both-null"])
def test_missing_members(ddb, port, hash_table, body, parts):
    r = u.call(port, "UpdateTimeToLive", dict(body, TableName=hash_table))
    u.expect_validation(r, validation(*parts))
    # The shape is validated before the table is looked up.
    r = u.call(port, "UpdateTimeToLive", dict(body, TableName=u.unique_name("missing")))
    u.expect_validation(r, validation(*parts))
    desc = ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"]
    assert desc == {"TimeToLiveStatus": "DISABLED"}


def test_attribute_name_length(ddb, port, hash_table):
    long_name = "a" * 256
    too_long = validation(f"Value '{long_name}' at 'timeToLiveSpecification.attributeName' "
                          "failed to satisfy constraint: Member must have length less than or "
                          "equal to 255")
    empty = validation("Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy "
                       "constraint: Member must have length greater than or equal to 1")
    for enabled in (True, False):
        u.expect_validation(_update(port, hash_table, _spec(long_name, enabled)), too_long)
        u.expect_validation(_update(port, hash_table, _spec("", enabled)), empty)
    # Before the table lookup too.
    u.expect_validation(_update(port, u.unique_name("missing"), _spec(long_name, True)),
                        too_long)
    assert u.failure(ddb.update_time_to_live, TableName=hash_table,
                     TimeToLiveSpecification=_spec(long_name, True)) == (
        "ValidationException", too_long, 400)
    # Two violations at once.
    u.expect_validation(_update(port, hash_table, {"AttributeName": long_name}),
                        validation(too_long.split(": ", 1)[1], MISSING_ENABLED))
    desc = ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"]
    assert desc == {"TimeToLiveStatus": "DISABLED"}


@pytest.mark.parametrize("spec", [
    {"AttributeName": ATTR, "Enabled": "dog"},
    {"AttributeName": ATTR, "Enabled": 1},
    {"AttributeName": 3, "Enabled": True},
    {"AttributeName": [ATTR], "Enabled": True},
    "spec",
], ids=["enabled-string", "enabled-number", "name-number", "name-list", "spec-string"])
def test_wrong_json_types(ddb, port, hash_table, spec):
    r = _update(port, hash_table, spec)
    assert (r.status, r.json()["__type"]) == (400, u.T_SERIALIZATION), r
    desc = ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"]
    assert desc == {"TimeToLiveStatus": "DISABLED"}


@pytest.mark.parametrize("name", ["ab", "a", "abc;", "a" * 256],
                         ids=["2-chars", "1-char", "semicolon", "256-chars"])
def test_bad_table_names_like_describe_table(port, name):
    expected = u.call(port, "DescribeTable", {"TableName": name})
    assert expected.status == 400
    assert expected.json()["__type"] == u.T_VALIDATION, expected
    for r in (_describe(port, name), _update(port, name, _spec(ATTR, True)),
              _update(port, name, _spec(ATTR, False))):
        assert (r.status, r.json()) == (400, expected.json()), r


def test_missing_table_name_like_describe_table(port):
    expected = u.call(port, "DescribeTable", {})
    assert expected.status == 400
    assert expected.json()["__type"] == u.T_VALIDATION, expected
    for r in (u.call(port, "DescribeTimeToLive", {}),
              u.call(port, "UpdateTimeToLive", {"TimeToLiveSpecification": _spec(ATTR, True)})):
        assert (r.status, r.json()) == (400, expected.json()), r


# ---- The sweeper -----------------------------------------------------------------------------


def test_what_expires_and_what_stays(ddb):
    table = _ttl_table(ddb)
    t = now()
    expiring = {
        "past": N(t - 100),
        "just-past": N(t - 1),
        "exponent": {"N": f"{(t - 1000) // 10}e1"},
        "fraction": N(f"{t - 7}.25"),
        "under-five-years": N(t - FIVE_YEARS + 86400),
    }
    staying = {
        "future": {"exp": N(t + 3600)},
        "far-future": {"exp": N(t + 10 * 365 * 86400)},
        "absent": {"other": N(t - 100)},
        "other-case": {"Exp": N(t - 100), "EXP": N(t - 100)},
        "string-number": {"exp": S(str(t - 100))},
        "string-123": {"exp": S("123")},
        "list": {"exp": {"L": [N(t - 100)]}},
        "number-set": {"exp": {"NS": [str(t - 100), str(t - 200)]}},
        "string-set": {"exp": {"SS": [str(t - 100)]}},
        "map": {"exp": {"M": {"exp": N(t - 100)}}},
        "bool": {"exp": {"BOOL": True}},
        "null": {"exp": {"NULL": True}},
        "binary": {"exp": {"B": b"\x01"}},
        "six-years-old": {"exp": N(t - 6 * 365 * 86400)},
        "year-1975": {"exp": N(162777600)},
        "zero": {"exp": N(0)},
        "negative": {"exp": N(-100)},
    }
    stay_items = [dict({"pk": S(k)}, **v) for k, v in staying.items()]
    for item in stay_items:
        ddb.put_item(TableName=table, Item=item)
    count_before_past, size_before_past = _counts(ddb, table)
    assert count_before_past == len(staying)
    for k, v in expiring.items():
        ddb.put_item(TableName=table, Item={"pk": S(k), "exp": v, "pad": S("x" * 100)})
    count, size = _counts(ddb, table)
    assert count == len(staying) + len(expiring)

    _wait_gone(ddb, table, [{"pk": S(k)} for k in expiring])
    time.sleep(SETTLE)
    _assert_present(ddb, table, stay_items)
    assert _scan_keys(ddb, table) == sorted(staying)
    # The deletions are counted like any other delete.
    assert _counts(ddb, table) == (count_before_past, size_before_past)


def test_sort_key_table_and_fractional_value(ddb):
    table = _ttl_table(ddb, range_key=("sk", "N"))
    t = now()
    gone = [{"pk": S("a"), "sk": N(1), "exp": N(f"{t - 5}.5")},
            {"pk": S("a"), "sk": N(2), "exp": N(f"{t - 1}.999")},
            {"pk": S("b"), "sk": N(-3.5), "exp": N(t - 3600)}]
    stay = [{"pk": S("a"), "sk": N(3), "exp": N(f"{t + 3600}.5")},
            {"pk": S("b"), "sk": N(1), "exp": S(f"{t - 5}.5")},
            {"pk": S("b"), "sk": N(2)}]
    for item in gone + stay:
        ddb.put_item(TableName=table, Item=item)
    _wait_gone(ddb, table, [{"pk": it["pk"], "sk": it["sk"]} for it in gone])
    time.sleep(SETTLE)
    _assert_present(ddb, table, stay)
    rows = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": S("a")}, ConsistentRead=True)["Items"]
    assert [r["sk"]["N"] for r in rows] == ["3"]
    assert _counts(ddb, table)[0] == len(stay)


def test_items_written_before_ttl_was_enabled(ddb):
    table = u.unique_name("ttl")
    u.create_table(ddb, table)
    t = now()
    old = [{"pk": S(f"old{i}"), "exp": N(t - 60 * (i + 1))} for i in range(20)]
    keep = [{"pk": S("future"), "exp": N(t + 3600)}, {"pk": S("none")}]
    for item in old + keep:
        ddb.put_item(TableName=table, Item=item)
    assert _counts(ddb, table)[0] == 22
    _enable(ddb, table)
    _wait_gone(ddb, table, [{"pk": it["pk"]} for it in old])
    time.sleep(SETTLE)
    _assert_present(ddb, table, keep)
    assert _counts(ddb, table)[0] == 2


def test_every_write_path_can_make_an_item_expire(ddb):
    table = _ttl_table(ddb)
    t = now()
    past = N(t - 30)
    ddb.put_item(TableName=table, Item={"pk": S("put"), "exp": past})
    # UpdateItem creating the item, and moving an existing item's value into the past.
    ddb.update_item(TableName=table, Key={"pk": S("update-new")}, UpdateExpression="SET exp = :e",
                    ExpressionAttributeValues={":e": past})
    ddb.put_item(TableName=table, Item={"pk": S("update-past"), "exp": N(t + 3600)})
    ddb.put_item(TableName=table, Item={"pk": S("update-added"), "v": N(1)})
    ddb.put_item(TableName=table, Item={"pk": S("update-string"), "exp": S("soon")})
    ddb.update_item(TableName=table, Key={"pk": S("update-past")}, UpdateExpression="SET exp = :e",
                    ExpressionAttributeValues={":e": past})
    ddb.update_item(TableName=table, Key={"pk": S("update-added")},
                    UpdateExpression="SET exp = :e", ExpressionAttributeValues={":e": past})
    ddb.update_item(TableName=table, Key={"pk": S("update-string")},
                    UpdateExpression="SET exp = :e", ExpressionAttributeValues={":e": past})
    ddb.update_item(TableName=table, Key={"pk": S("update-add")},
                    UpdateExpression="ADD exp :e", ExpressionAttributeValues={":e": past})
    ddb.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": S("batch1"), "exp": past}}},
        {"PutRequest": {"Item": {"pk": S("batch2"), "exp": past}}}]})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": S("tx-put"), "exp": past}}},
        {"Update": {"TableName": table, "Key": {"pk": S("tx-update")},
                    "UpdateExpression": "SET exp = :e",
                    "ExpressionAttributeValues": {":e": past}}}])
    keys = ["put", "update-new", "update-past", "update-added", "update-string", "update-add",
            "batch1", "batch2", "tx-put", "tx-update"]
    _wait_gone(ddb, table, [{"pk": S(k)} for k in keys])
    assert _counts(ddb, table) == (0, 0)


def test_moving_the_value_away_before_expiry_keeps_the_item(ddb):
    table = _ttl_table(ddb)
    soon = N(now() + 3)
    later = N(now() + 3600)
    keys = ["control", "update-future", "put-future", "update-remove", "update-string",
            "put-without"]
    for k in keys:
        ddb.put_item(TableName=table, Item={"pk": S(k), "exp": soon, "v": S(k)})
    ddb.update_item(TableName=table, Key={"pk": S("update-future")},
                    UpdateExpression="SET exp = :e", ExpressionAttributeValues={":e": later})
    ddb.put_item(TableName=table, Item={"pk": S("put-future"), "exp": later, "v": S("p")})
    ddb.update_item(TableName=table, Key={"pk": S("update-remove")}, UpdateExpression="REMOVE exp")
    ddb.update_item(TableName=table, Key={"pk": S("update-string")},
                    UpdateExpression="SET exp = :e", ExpressionAttributeValues={":e": S("x")})
    ddb.put_item(TableName=table, Item={"pk": S("put-without"), "v": S("w")})
    # The untouched control item expires; that proves the old expiry time has passed.
    _wait_gone(ddb, table, [{"pk": S("control")}])
    time.sleep(SETTLE)
    _assert_present(ddb, table, [
        {"pk": S("update-future"), "exp": later, "v": S("update-future")},
        {"pk": S("put-future"), "exp": later, "v": S("p")},
        {"pk": S("update-remove"), "v": S("update-remove")},
        {"pk": S("update-string"), "exp": S("x"), "v": S("update-string")},
        {"pk": S("put-without"), "v": S("w")},
    ])


def test_deleted_then_rewritten_item_is_not_swept_by_its_old_entry(ddb):
    table = _ttl_table(ddb)
    key = {"pk": S("again")}
    due = now() + 2
    ddb.put_item(TableName=table, Item=dict(key, exp=N(due)))
    ddb.delete_item(TableName=table, Key=key)
    ddb.put_item(TableName=table, Item=dict(key, v=S("new")))
    while time.time() <= due + 0.5:
        time.sleep(0.1)
    _sweep_witness(ddb, table)
    _assert_present(ddb, table, [dict(key, v=S("new"))])


def test_key_attribute_as_ttl_attribute(ddb):
    # Real DynamoDB accepts a key attribute as the TTL attribute and expires by it.
    table = u.unique_name("ttlkey")
    u.create_table(ddb, table, range_key=("sk", "N"))
    _enable(ddb, table, "sk")
    t = now()
    gone = [{"pk": S("a"), "sk": N(t - 10)}, {"pk": S("b"), "sk": N(t - 86400)}]
    stay = [{"pk": S("a"), "sk": N(t + 3600)}, {"pk": S("a"), "sk": N(1)}]
    for item in gone + stay:
        ddb.put_item(TableName=table, Item=item)
    _wait_gone(ddb, table, gone)
    time.sleep(SETTLE)
    _assert_present(ddb, table, stay)


def test_disabled_and_other_attribute_tables_keep_past_items(ddb):
    never = u.unique_name("nottl")
    u.create_table(ddb, never)
    other = _ttl_table(ddb, attr="ttl")
    t = now()
    never_items = [{"pk": S("a"), "exp": N(t - 100)}, {"pk": S("b"), "ttl": N(t - 100)}]
    other_stay = [{"pk": S("a"), "exp": N(t - 100)}]
    other_gone = [{"pk": S("b"), "ttl": N(t - 100)}]
    for item in never_items:
        ddb.put_item(TableName=never, Item=item)
    for item in other_stay + other_gone:
        ddb.put_item(TableName=other, Item=item)
    _wait_gone(ddb, other, [{"pk": S("b")}])
    _sweep_witness(ddb)
    _assert_present(ddb, never, never_items)
    _assert_present(ddb, other, other_stay)
    assert _counts(ddb, never)[0] == 2
    assert ddb.describe_time_to_live(TableName=never)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"}


def test_delete_and_recreate_forgets_ttl(ddb):
    name = u.unique_name("recreate")
    u.create_table(ddb, name)
    _enable(ddb, name)
    ddb.delete_table(TableName=name)
    u.wait_gone(ddb, name)
    u.create_table(ddb, name)
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"}
    item = {"pk": S("old"), "exp": N(now() - 100)}
    ddb.put_item(TableName=name, Item=item)
    _sweep_witness(ddb)
    _assert_present(ddb, name, [item])
    # A new table: no cooldown carried over from the old one.
    _enable(ddb, name)
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": ATTR}
    _wait_gone(ddb, name, [{"pk": S("old")}])


# ---- Persistence -----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["sigterm", "kill9"])
def test_ttl_survives_a_restart(server_factory, tmp_path, how):
    data = tmp_path / "data"
    srv = server_factory(data_dir=data)
    client = u.make_client(srv.endpoint)
    u.create_table(client, "ttl_restart")
    u.create_table(client, "ttl_never")
    _enable(client, "ttl_restart")
    keep = {"pk": S("future"), "exp": N(now() + 3600)}
    client.put_item(TableName="ttl_restart", Item=keep)
    client.put_item(TableName="ttl_restart", Item={"pk": S("soon"), "exp": N(now() + 2)})
    if how == "sigterm":
        assert srv.stop() == 0
    else:
        srv.kill9()  # an acknowledged UpdateTimeToLive is durable like any table metadata

    srv2 = server_factory(data_dir=data)
    client = u.make_client(srv2.endpoint)
    assert client.describe_time_to_live(TableName="ttl_restart")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": ATTR}
    assert client.describe_time_to_live(TableName="ttl_never")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"}
    assert u.failure(client.update_time_to_live, TableName="ttl_restart",
                     TimeToLiveSpecification=_spec(ATTR, True)) == (
        "ValidationException", ALREADY_ENABLED, 400)
    # The cooldown is the table's state too, not the process's.
    assert u.failure(client.update_time_to_live, TableName="ttl_restart",
                     TimeToLiveSpecification=_spec(ATTR, False)) == (
        "ValidationException", COOLDOWN, 400)
    client.put_item(TableName="ttl_restart", Item={"pk": S("past"), "exp": N(now() - 10)})
    client.put_item(TableName="ttl_never", Item={"pk": S("past"), "exp": N(now() - 10)})
    # Written before the restart, expiring after it; written after the restart, already past.
    _wait_gone(client, "ttl_restart", [{"pk": S("soon")}, {"pk": S("past")}])
    time.sleep(SETTLE)
    _assert_present(client, "ttl_restart", [keep])
    assert _get(client, "ttl_never", {"pk": S("past")}) is not None
    assert _counts(client, "ttl_restart")[0] == 1
