"""UpdateTable GlobalSecondaryIndexUpdates: adding a GSI to a table that already holds items
(an online backfill) and removing one.

- Create: the answer is the table in status UPDATING with the new index CREATING and
  Backfilling true, and the index key attributes join the table's AttributeDefinitions. While
  the index fills, Query and Scan on it are refused ("Cannot read from backfilling global
  secondary index"). When the table is ACTIVE again the index is ACTIVE (no Backfilling member)
  and holds exactly the table's items that carry its key attributes, projected, with the right
  ItemCount and IndexSizeBytes; items written by other clients during the backfill are in it
  too.
- Create errors: key attributes missing from the request's AttributeDefinitions, an existing
  index name, index throughput versus billing mode, two index changes in one call, a change
  while another index is still filling, a missing table, the Update action (not supported by
  ddbx yet).
- Delete: the answer shows the index DELETING; afterwards the index is gone (no
  GlobalSecondaryIndexes member when none remain) and reads on it are refused; a missing index
  is a ResourceNotFoundException; a re-created index of the same name starts fresh.
- An added index is maintained by later writes and reported by ReturnConsumedCapacity INDEXES.
- An added index survives a graceful restart of a disk-backed server.

Behaviour and messages: /work/notes/index-spec.md section 5 and the ddbx brief.
"""

import json
import threading

import pytest

import ddbx_util as u

PREFIX = "One or more parameter values were invalid: "
LIMIT = ("Subscriber limit exceeded: Only 1 online index can be created or deleted "
         "simultaneously per table")
T_LIMIT = "com.amazonaws.dynamodb.v20120810#LimitExceededException"


def S(x):
    return {"S": x}


def _defs(*pairs):
    return [{"AttributeName": n, "AttributeType": t} for n, t in pairs]


def _schema(hash_key, range_key=None):
    out = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        out.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return out


def _create_action(name, hash_key, range_key=None, proj="ALL", nka=None, throughput=None):
    spec = {"IndexName": name, "KeySchema": _schema(hash_key, range_key),
            "Projection": {"ProjectionType": proj}}
    if nka is not None:
        spec["Projection"]["NonKeyAttributes"] = list(nka)
    if throughput is not None:
        spec["ProvisionedThroughput"] = {"ReadCapacityUnits": throughput[0],
                                         "WriteCapacityUnits": throughput[1]}
    return {"Create": spec}


def _add_gsi(client, table, name, hash_key, range_key=None, types=None, **kw):
    """UpdateTable Create; returns the TableDescription of the answer."""
    types = types or {}
    keys = [hash_key] + ([range_key] if range_key else [])
    defs = _defs(*[(k, types.get(k, "S")) for k in keys])
    resp = client.update_table(TableName=table, AttributeDefinitions=defs,
                               GlobalSecondaryIndexUpdates=[
                                   _create_action(name, hash_key, range_key, **kw)])
    return resp["TableDescription"]


def _gsi(desc, name):
    found = [g for g in desc.get("GlobalSecondaryIndexes", []) if g["IndexName"] == name]
    assert len(found) == 1, desc
    return found[0]


def _scan_all(client, table, index=None, **kw):
    items, start = [], None
    while True:
        args = dict(TableName=table, **kw)
        if index:
            args["IndexName"] = index
        if start:
            args["ExclusiveStartKey"] = start
        resp = client.scan(**args)
        items += resp["Items"]
        start = resp.get("LastEvaluatedKey")
        if not start:
            return items


def _canon(items):
    return sorted(json.dumps(u.normalize_item(i), sort_keys=True, default=repr) for i in items)


def _expected_index(table_items, index_keys, table_keys, proj="ALL", nka=()):
    out = []
    for item in table_items:
        if not all(k in item for k in index_keys):
            continue
        if proj == "ALL":
            out.append(dict(item))
        else:
            keep = set(index_keys) | set(table_keys) | set(nka if proj == "INCLUDE" else ())
            out.append({k: v for k, v in item.items() if k in keep})
    return out


def _check_index(client, table, name, index_keys, table_keys=("pk",), proj="ALL", nka=(),
                 sized=True):
    """The index (ACTIVE) holds exactly the projection of the table's items that have its
    keys; ItemCount (and IndexSizeBytes when every value has an exact size) match."""
    desc = client.describe_table(TableName=table)["Table"]
    gsi = _gsi(desc, name)
    assert gsi["IndexStatus"] == "ACTIVE", gsi
    assert "Backfilling" not in gsi, gsi
    expected = _expected_index(_scan_all(client, table), index_keys, table_keys, proj, nka)
    got = _scan_all(client, table, name)
    assert _canon(got) == _canon(expected)
    assert gsi["ItemCount"] == len(expected)
    if sized:
        assert gsi["IndexSizeBytes"] == sum(u.item_size(i) for i in expected)
    return expected


def _load(endpoint, table, items, threads=4):
    """BatchWriteItem of `items` from a few clients at once."""
    chunks = [items[i:i + 25] for i in range(0, len(items), 25)]
    errors = []

    def work(part):
        try:
            client = u.make_client(endpoint)
            for chunk in part:
                req = {table: [{"PutRequest": {"Item": it}} for it in chunk]}
                while req:
                    req = client.batch_write_item(RequestItems=req).get("UnprocessedItems")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    ts = [threading.Thread(target=work, args=(chunks[i::threads],)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors


def _big_table(ddb, endpoint, n=20000):
    name = u.unique_name("big")
    u.create_table(ddb, name)
    _load(endpoint, name, [{"pk": S(f"k{i:06d}"), "g": S(f"g{i % 50}"), "v": S("x" * 20)}
                           for i in range(n)])
    return name


# ---- Create ---------------------------------------------------------------------------------


def test_create_backfills_existing_items(ddb):
    name = u.unique_name("add")
    u.create_table(ddb, name, range_key=("sk", "S"))
    items = []
    for i in range(300):
        it = {"pk": S(f"p{i % 7}"), "sk": S(f"s{i:04d}"), "v": S("v" * (i % 13))}
        if i % 3:
            it["g"] = S(f"g{i % 5}")
        if i % 4:
            it["r"] = S(f"r{i:04d}")
        items.append(it)
    for it in items:
        ddb.put_item(TableName=name, Item=it)

    desc = _add_gsi(ddb, name, "by_g_r", "g", "r")
    assert desc["TableName"] == name
    assert desc["TableStatus"] == "UPDATING"
    defs = {(d["AttributeName"], d["AttributeType"]) for d in desc["AttributeDefinitions"]}
    assert defs == {("pk", "S"), ("sk", "S"), ("g", "S"), ("r", "S")}
    gsi = _gsi(desc, "by_g_r")
    assert gsi["IndexStatus"] == "CREATING"
    assert gsi["Backfilling"] is True
    assert gsi["KeySchema"] == _schema("g", "r")
    assert gsi["Projection"] == {"ProjectionType": "ALL"}
    assert gsi["IndexArn"] == desc["TableArn"] + "/index/by_g_r"
    pt = gsi["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (0, 0)

    after = u.wait_active(ddb, name)
    defs = {(d["AttributeName"], d["AttributeType"]) for d in after["AttributeDefinitions"]}
    assert defs == {("pk", "S"), ("sk", "S"), ("g", "S"), ("r", "S")}
    assert after["ItemCount"] == 300
    expected = _check_index(ddb, name, "by_g_r", ("g", "r"), ("pk", "sk"))
    assert len(expected) == len([i for i in range(300) if i % 3 and i % 4])
    # The index answers queries in index order.
    resp = ddb.query(TableName=name, IndexName="by_g_r", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": S("g1")})
    want = sorted((it for it in expected if it["g"] == S("g1")), key=lambda it: it["r"]["S"])
    assert [u.normalize_item(i) for i in resp["Items"]] == [u.normalize_item(i) for i in want]


def test_create_with_number_key_and_keys_only_projection(ddb):
    name = u.unique_name("addn")
    u.create_table(ddb, name)
    for i in range(50):
        it = {"pk": S(f"k{i}"), "other": S("o" * i)}
        if i % 2:
            it["n"] = {"N": str(i * 10)}
        ddb.put_item(TableName=name, Item=it)
    desc = _add_gsi(ddb, name, "by_n", "n", types={"n": "N"}, proj="KEYS_ONLY")
    assert {"AttributeName": "n", "AttributeType": "N"} in desc["AttributeDefinitions"]
    u.wait_active(ddb, name)
    _check_index(ddb, name, "by_n", ("n",), proj="KEYS_ONLY", sized=False)
    resp = ddb.query(TableName=name, IndexName="by_n", KeyConditionExpression="n = :n",
                     ExpressionAttributeValues={":n": {"N": "70"}})
    assert resp["Items"] == [{"pk": S("k7"), "n": {"N": "70"}}]


def test_create_with_include_projection(ddb):
    name = u.unique_name("addi")
    u.create_table(ddb, name)
    for i in range(40):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}"), "g": S(f"g{i % 3}"),
                                           "a": S(f"a{i}"), "b": S(f"b{i}")})
    desc = _add_gsi(ddb, name, "inc", "g", proj="INCLUDE", nka=["a"])
    assert _gsi(desc, "inc")["Projection"] == {"ProjectionType": "INCLUDE",
                                               "NonKeyAttributes": ["a"]}
    u.wait_active(ddb, name)
    _check_index(ddb, name, "inc", ("g",), proj="INCLUDE", nka=("a",))


def test_create_on_provisioned_table(ddb):
    name = u.unique_name("addp")
    u.create_table(ddb, name, billing="PROVISIONED")
    ddb.put_item(TableName=name, Item={"pk": S("a"), "g": S("x")})
    desc = _add_gsi(ddb, name, "prov_gsi", "g", throughput=(3, 4))
    gsi = _gsi(desc, "prov_gsi")
    assert gsi["IndexStatus"] == "CREATING"
    pt = gsi["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (3, 4)
    u.wait_active(ddb, name)
    gsi = _gsi(ddb.describe_table(TableName=name)["Table"], "prov_gsi")
    pt = gsi["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (3, 4)
    _check_index(ddb, name, "prov_gsi", ("g",))


def test_create_on_empty_table_and_next_to_existing_gsi(ddb):
    name = u.unique_name("adde")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=_defs(("pk", "S"), ("a", "S")),
                     KeySchema=_schema("pk"),
                     GlobalSecondaryIndexes=[{"IndexName": "old", "KeySchema": _schema("a"),
                                              "Projection": {"ProjectionType": "ALL"}}])
    u.wait_active(ddb, name)
    desc = _add_gsi(ddb, name, "new", "b")
    assert _gsi(desc, "old")["IndexStatus"] == "ACTIVE"
    assert _gsi(desc, "new")["IndexStatus"] == "CREATING"
    u.wait_active(ddb, name)
    _check_index(ddb, name, "new", ("b",))
    ddb.put_item(TableName=name, Item={"pk": S("1"), "a": S("A"), "b": S("B")})
    ddb.put_item(TableName=name, Item={"pk": S("2"), "b": S("B")})
    _check_index(ddb, name, "old", ("a",))
    _check_index(ddb, name, "new", ("b",))


def test_reads_refused_while_backfilling_and_second_change_limited(ddb, endpoint, port):
    name = _big_table(ddb, endpoint)
    desc = _add_gsi(ddb, name, "slow", "g")
    assert desc["TableStatus"] == "UPDATING"
    assert _gsi(desc, "slow")["Backfilling"] is True
    # Issued right away; the fill of 20,000 items takes much longer than these requests.
    q = u.call(port, "Query", {"TableName": name, "IndexName": "slow",
                               "KeyConditionExpression": "g = :g",
                               "ExpressionAttributeValues": {":g": S("g1")}})
    s = u.call(port, "Scan", {"TableName": name, "IndexName": "slow"})
    second = u.call(port, "UpdateTable", {
        "TableName": name, "AttributeDefinitions": _defs(("v", "S")),
        "GlobalSecondaryIndexUpdates": [_create_action("second", "v")]})
    still = ddb.describe_table(TableName=name)["Table"]
    if q.status == 200 and s.status == 200 and still["TableStatus"] == "ACTIVE":
        pytest.skip("the backfill finished before the reads could be issued")
    msg = "Cannot read from backfilling global secondary index: slow"
    u.expect_validation(q, msg)
    u.expect_validation(s, msg)
    u.expect_error(second, T_LIMIT, LIMIT)

    after = u.wait_active(ddb, name)
    assert [g["IndexName"] for g in after["GlobalSecondaryIndexes"]] == ["slow"]
    assert _gsi(after, "slow")["ItemCount"] == 20000
    _check_index(ddb, name, "slow", ("g",))
    resp = ddb.query(TableName=name, IndexName="slow", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": S("g7")}, Select="COUNT")
    assert resp["Count"] == 400


def test_writes_during_backfill_are_indexed(ddb, endpoint):
    n = 20000
    name = _big_table(ddb, endpoint, n)
    stop = threading.Event()
    errors = []
    counts = []
    phase = {"creating": False}
    started = [threading.Event() for _ in range(4)]

    def writer(w):
        client = u.make_client(endpoint)
        i = 0
        during = 0
        try:
            while not stop.is_set():
                k = S(f"k{(w * 4999 + i * 7) % n:06d}")
                op = i % 5
                if op == 0:
                    client.put_item(TableName=name, Item={"pk": S(f"new{w}-{i}"),
                                                          "g": S(f"w{w}")})
                elif op == 1:
                    client.update_item(TableName=name, Key={"pk": k},
                                       UpdateExpression="SET g = :g",
                                       ExpressionAttributeValues={":g": S(f"moved{w}")})
                elif op == 2:
                    client.update_item(TableName=name, Key={"pk": k}, UpdateExpression="REMOVE g")
                elif op == 3:
                    client.delete_item(TableName=name, Key={"pk": k})
                else:
                    client.put_item(TableName=name, Item={"pk": S(f"sparse{w}-{i}"),
                                                          "v": S("no index key")})
                if phase["creating"]:
                    during += 1
                i += 1
                started[w].set()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        started[w].set()
        counts.append(during)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    try:
        for ev in started:  # every writer is connected and writing
            assert ev.wait(10)
        phase["creating"] = True
        _add_gsi(ddb, name, "live", "g")
        u.wait_active(ddb, name)
        phase["creating"] = False
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    assert sum(counts) > 0
    _check_index(ddb, name, "live", ("g",))


# ---- Create errors --------------------------------------------------------------------------


def _update(port, table, actions, defs=None):
    body = {"TableName": table, "GlobalSecondaryIndexUpdates": actions}
    if defs is not None:
        body["AttributeDefinitions"] = defs
    return u.call(port, "UpdateTable", body)


def _unchanged(ddb, name, indexes=()):
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["TableStatus"] == "ACTIVE"
    assert [g["IndexName"] for g in desc.get("GlobalSecondaryIndexes", [])] == list(indexes)
    return desc


def test_undefined_index_key_attributes(ddb, port, hash_table):
    undefined = PREFIX + ("Some index key attributes are not defined in AttributeDefinitions. "
                          "Keys: [g], AttributeDefinitions: []")
    u.expect_validation(_update(port, hash_table, [_create_action("gsi", "g")]), undefined)
    u.expect_validation(_update(port, hash_table, [_create_action("gsi", "g")], defs=[]),
                        undefined)
    # The request's definitions are listed, not the table's.
    r = _update(port, hash_table, [_create_action("gsi", "g")], defs=_defs(("h", "S")))
    u.expect_validation(r, PREFIX + "Some index key attributes are not defined in "
                                    "AttributeDefinitions. Keys: [g], AttributeDefinitions: [h]")
    # A range key missing while the hash key is defined.
    r = _update(port, hash_table, [_create_action("gsi", "g", "r")], defs=_defs(("g", "S")))
    assert r.status == 400 and r.json()["__type"] == u.T_VALIDATION, r
    assert "Some index key attributes are not defined in AttributeDefinitions" in \
        r.json()["message"], r
    desc = _unchanged(ddb, hash_table)
    assert desc["AttributeDefinitions"] == _defs(("pk", "S"))


def test_create_existing_index_name(ddb, port):
    name = u.unique_name("dup")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=_defs(("pk", "S"), ("a", "S")),
                     KeySchema=_schema("pk"),
                     GlobalSecondaryIndexes=[{"IndexName": "made", "KeySchema": _schema("a"),
                                              "Projection": {"ProjectionType": "ALL"}}])
    u.wait_active(ddb, name)
    msg = "Attempting to create an index which already exists"
    u.expect_validation(_update(port, name, [_create_action("made", "b")],
                                defs=_defs(("b", "S"))), msg)
    _add_gsi(ddb, name, "added", "b")
    u.wait_active(ddb, name)
    u.expect_validation(_update(port, name, [_create_action("added", "b")],
                                defs=_defs(("b", "S"))), msg)
    _unchanged(ddb, name, ["made", "added"])


def test_index_throughput_versus_billing_mode(ddb, port, hash_table):
    r = _update(port, hash_table, [_create_action("gsi", "g", throughput=(1, 1))],
                defs=_defs(("g", "S")))
    u.expect_validation(r, PREFIX + "ProvisionedThroughput should not be specified for index: "
                                    "gsi when BillingMode is PAY_PER_REQUEST")
    _unchanged(ddb, hash_table)
    prov = u.unique_name("prov")
    u.create_table(ddb, prov, billing="PROVISIONED")
    r = _update(port, prov, [_create_action("gsi", "g")], defs=_defs(("g", "S")))
    u.expect_validation(r, PREFIX + "ProvisionedThroughput must be specified for index: gsi")
    _unchanged(ddb, prov)


def test_two_index_changes_in_one_call(ddb, port):
    name = u.unique_name("two")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=_defs(("pk", "S"), ("a", "S")),
                     KeySchema=_schema("pk"),
                     GlobalSecondaryIndexes=[{"IndexName": "made", "KeySchema": _schema("a"),
                                              "Projection": {"ProjectionType": "ALL"}}])
    u.wait_active(ddb, name)
    r = _update(port, name, [_create_action("one", "g"), _create_action("two", "h")],
                defs=_defs(("g", "S"), ("h", "S")))
    u.expect_error(r, T_LIMIT, LIMIT)
    r = _update(port, name, [_create_action("one", "g"), {"Delete": {"IndexName": "made"}}],
                defs=_defs(("g", "S")))
    u.expect_error(r, T_LIMIT, LIMIT)
    _unchanged(ddb, name, ["made"])


def test_create_on_missing_table(port):
    r = _update(port, u.unique_name("missing"), [_create_action("gsi", "g")],
                defs=_defs(("g", "S")))
    assert r.status == 400 and r.json()["__type"] == u.T_NOT_FOUND, r


def test_update_action_not_supported(ddb, port, hash_table):
    _add_gsi(ddb, hash_table, "gsi", "g")
    u.wait_active(ddb, hash_table)
    r = _update(port, hash_table, [{"Update": {"IndexName": "gsi", "ProvisionedThroughput": {
        "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}])
    u.expect_validation(r, "ddbx does not support GlobalSecondaryIndexUpdates Update yet")


# ---- Delete ---------------------------------------------------------------------------------


def test_delete_index(ddb, port):
    name = u.unique_name("del")
    u.create_table(ddb, name)
    for i in range(30):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}"), "g": S(f"g{i % 4}")})
    _add_gsi(ddb, name, "doomed", "g")
    u.wait_active(ddb, name)
    resp = ddb.update_table(TableName=name,
                            GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "doomed"}}])
    desc = resp["TableDescription"]
    assert desc["TableStatus"] == "UPDATING"
    assert _gsi(desc, "doomed")["IndexStatus"] == "DELETING"
    after = u.wait_active(ddb, name)
    assert "GlobalSecondaryIndexes" not in after, after
    assert after["ItemCount"] == 30
    # The index's key attribute is no longer a key of anything: its definition goes too.
    assert after["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    msg = "The table does not have the specified index: doomed"
    u.expect_validation(u.call(port, "Query", {
        "TableName": name, "IndexName": "doomed", "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": S("g1")}}), msg)
    u.expect_validation(u.call(port, "Scan", {"TableName": name, "IndexName": "doomed"}), msg)
    # The table itself is untouched and still writable.
    assert len(_scan_all(ddb, name)) == 30
    ddb.put_item(TableName=name, Item={"pk": S("after"), "g": S("g1")})
    assert len(_scan_all(ddb, name)) == 31


def test_delete_one_of_two_indexes(ddb):
    name = u.unique_name("del2")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=_defs(("pk", "S"), ("a", "S"), ("b", "S")),
                     KeySchema=_schema("pk"),
                     GlobalSecondaryIndexes=[
                         {"IndexName": "keep", "KeySchema": _schema("a"),
                          "Projection": {"ProjectionType": "ALL"}},
                         {"IndexName": "drop", "KeySchema": _schema("b"),
                          "Projection": {"ProjectionType": "ALL"}}])
    u.wait_active(ddb, name)
    for i in range(10):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}"), "a": S("A"), "b": S("B")})
    desc = ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[
        {"Delete": {"IndexName": "drop"}}])["TableDescription"]
    assert _gsi(desc, "drop")["IndexStatus"] == "DELETING"
    assert _gsi(desc, "keep")["IndexStatus"] == "ACTIVE"
    after = u.wait_active(ddb, name)
    assert [g["IndexName"] for g in after["GlobalSecondaryIndexes"]] == ["keep"]
    ddb.put_item(TableName=name, Item={"pk": S("x"), "a": S("A")})
    _check_index(ddb, name, "keep", ("a",))


def test_delete_missing_index(ddb, port, hash_table):
    r = _update(port, hash_table, [{"Delete": {"IndexName": "nosuch"}}])
    u.expect_error(r, u.T_NOT_FOUND, "Requested resource not found: Index: nosuch not found")
    _add_gsi(ddb, hash_table, "present", "g")
    u.wait_active(ddb, hash_table)
    r = _update(port, hash_table, [{"Delete": {"IndexName": "nosuch"}}])
    u.expect_error(r, u.T_NOT_FOUND, "Requested resource not found: Index: nosuch not found")
    _unchanged(ddb, hash_table, ["present"])


def test_delete_on_missing_table(port):
    r = _update(port, u.unique_name("missing"), [{"Delete": {"IndexName": "gsi"}}])
    assert r.status == 400 and r.json()["__type"] == u.T_NOT_FOUND, r


def test_delete_of_a_filling_index_cancels_it(ddb, endpoint):
    """Spec section 5: deleting the index that is still CREATING is allowed (it cancels the
    create). Whether or not the fill was still running, the index ends up gone, and a new one
    of the same name is complete."""
    name = _big_table(ddb, endpoint, 20000)
    _add_gsi(ddb, name, "cancel", "g")
    desc = ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[
        {"Delete": {"IndexName": "cancel"}}])["TableDescription"]
    assert desc["TableStatus"] == "UPDATING"
    assert _gsi(desc, "cancel")["IndexStatus"] == "DELETING"
    after = u.wait_active(ddb, name)
    assert "GlobalSecondaryIndexes" not in after, after
    _add_gsi(ddb, name, "cancel", "g")
    u.wait_active(ddb, name)
    assert len(_check_index(ddb, name, "cancel", ("g",))) == 20000


def test_delete_then_recreate_same_name(ddb):
    name = u.unique_name("again")
    u.create_table(ddb, name)
    for i in range(40):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}"), "g": S(f"g{i % 3}"),
                                           "h": S(f"h{i % 2}")})
    _add_gsi(ddb, name, "same", "g")
    u.wait_active(ddb, name)
    _check_index(ddb, name, "same", ("g",))
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[
        {"Delete": {"IndexName": "same"}}])
    u.wait_active(ddb, name)
    # Changes while there is no index must show up in the new one.
    for i in range(0, 40, 4):
        ddb.delete_item(TableName=name, Key={"pk": S(f"k{i}")})
    for i in range(40, 50):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}"), "h": S("h9")})
    ddb.update_item(TableName=name, Key={"pk": S("k1")}, UpdateExpression="REMOVE h")
    # Same name, different key: only the new definition counts.
    _add_gsi(ddb, name, "same", "h", proj="KEYS_ONLY")
    u.wait_active(ddb, name)
    desc = ddb.describe_table(TableName=name)["Table"]
    assert _gsi(desc, "same")["KeySchema"] == _schema("h")
    _check_index(ddb, name, "same", ("h",), proj="KEYS_ONLY")
    resp = ddb.query(TableName=name, IndexName="same", KeyConditionExpression="h = :h",
                     ExpressionAttributeValues={":h": S("h9")}, Select="COUNT")
    assert resp["Count"] == 10


# ---- Writes after the backfill --------------------------------------------------------------


def test_added_index_is_maintained_and_metered(ddb):
    name = u.unique_name("maint")
    u.create_table(ddb, name)
    for i in range(20):
        ddb.put_item(TableName=name, Item={"pk": S(f"k{i}"), "g": S(f"g{i % 2}")})
    _add_gsi(ddb, name, "kept", "g")
    u.wait_active(ddb, name)

    resp = ddb.put_item(TableName=name, Item={"pk": S("n1"), "g": S("g5")},
                        ReturnConsumedCapacity="INDEXES")
    cc = resp["ConsumedCapacity"]
    assert cc["TableName"] == name
    assert cc["Table"] == {"CapacityUnits": 1.0}
    assert cc["GlobalSecondaryIndexes"] == {"kept": {"CapacityUnits": 1.0}}
    assert cc["CapacityUnits"] == 2.0
    _check_index(ddb, name, "kept", ("g",))

    resp = ddb.update_item(TableName=name, Key={"pk": S("k3")}, UpdateExpression="SET g = :g",
                           ExpressionAttributeValues={":g": S("g9")},
                           ReturnConsumedCapacity="INDEXES")
    assert resp["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {"kept": {"CapacityUnits": 2.0}}
    _check_index(ddb, name, "kept", ("g",))
    resp = ddb.query(TableName=name, IndexName="kept", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": S("g9")})
    assert resp["Items"] == [{"pk": S("k3"), "g": S("g9")}]

    resp = ddb.delete_item(TableName=name, Key={"pk": S("k4")},
                           ReturnConsumedCapacity="INDEXES")
    assert resp["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {"kept": {"CapacityUnits": 1.0}}
    ddb.put_item(TableName=name, Item={"pk": S("sparse")})
    ddb.update_item(TableName=name, Key={"pk": S("k5")}, UpdateExpression="REMOVE g")
    expected = _check_index(ddb, name, "kept", ("g",))
    assert len(expected) == 19  # 20 + n1 - k4 - k5


def test_added_index_untouched_by_a_write_is_not_metered(ddb):
    """Spec section 6 (measured on AWS): an index a write does not touch is absent from the
    ConsumedCapacity, never reported as 0."""
    name = u.unique_name("meter")
    u.create_table(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": S("k"), "g": S("g")})
    _add_gsi(ddb, name, "kept", "g")
    u.wait_active(ddb, name)
    resp = ddb.put_item(TableName=name, Item={"pk": S("sparse")},
                        ReturnConsumedCapacity="INDEXES")
    cc = resp["ConsumedCapacity"]
    assert cc["CapacityUnits"] == 1.0
    assert cc["Table"] == {"CapacityUnits": 1.0}
    assert "GlobalSecondaryIndexes" not in cc, cc


def test_type_mismatch_against_added_index_key(ddb, port, hash_table):
    _add_gsi(ddb, hash_table, "typed", "n", types={"n": "N"})
    u.wait_active(ddb, hash_table)
    r = u.call(port, "PutItem", {"TableName": hash_table,
                                 "Item": {"pk": S("a"), "n": S("not a number")}})
    assert r.status == 400 and r.json()["__type"] == u.T_VALIDATION, r
    assert _scan_all(ddb, hash_table) == []


# ---- Persistence ----------------------------------------------------------------------------


def test_added_index_survives_restart(server_factory, tmp_path):
    data = tmp_path / "data"
    srv = server_factory(data_dir=data)
    client = u.make_client(srv.endpoint)
    name = "persisted_gsi"
    u.create_table(client, name, range_key=("sk", "S"))
    for i in range(200):
        it = {"pk": S(f"p{i % 9}"), "sk": S(f"s{i}")}
        if i % 3:
            it["g"] = S(f"g{i % 4}")
        client.put_item(TableName=name, Item=it)
    _add_gsi(client, name, "added", "g", "sk")
    u.wait_active(client, name)
    client.put_item(TableName=name, Item={"pk": S("late"), "sk": S("s"), "g": S("g1")})
    before_items = _check_index(client, name, "added", ("g", "sk"), ("pk", "sk"))
    before = _gsi(client.describe_table(TableName=name)["Table"], "added")
    assert srv.stop() == 0

    srv2 = server_factory(data_dir=data)
    client = u.make_client(srv2.endpoint)
    desc = client.describe_table(TableName=name)["Table"]
    assert desc["TableStatus"] == "ACTIVE"
    after = _gsi(desc, "added")
    assert after == before
    assert {"AttributeName": "g", "AttributeType": "S"} in desc["AttributeDefinitions"]
    after_items = _check_index(client, name, "added", ("g", "sk"), ("pk", "sk"))
    assert _canon(after_items) == _canon(before_items)
    # Still maintained after the restart.
    client.update_item(TableName=name, Key={"pk": S("late"), "sk": S("s")},
                       UpdateExpression="SET g = :g", ExpressionAttributeValues={":g": S("z")})
    _check_index(client, name, "added", ("g", "sk"), ("pk", "sk"))
