"""ReturnConsumedCapacity (NONE, TOTAL, INDEXES) on every single-table operation, with
DynamoDB's arithmetic: reads in 4 KB units, halved when eventually consistent; writes in 1 KB
units; each item rounded up on its own for GetItem, BatchGetItem, PutItem, UpdateItem,
DeleteItem and BatchWriteItem (writes use the larger of the item before and after), but the
sizes of all items read summed before rounding for Query and Scan; a key that is not found
still costs one unit.

Sources: Developer Guide, "Read/write capacity mode" and "Item sizes and formats" (the rules,
and item size = attribute name bytes + value bytes); dynalite test/getItem.js, putItem.js,
updateItem.js, deleteItem.js, batchGetItem.js, batchWriteItem.js and query.js (architect/
dynalite, checked against live DynamoDB), whose boundary cases (4,096 / 4,097 bytes for reads,
1,024 / 1,025 for writes, a small put over a large item costing the large item, 25 items of
~41.9 KB queried for 128 units) fix the arithmetic and the response shapes. Item sizes here
use only S, B and BOOL values, whose sizes the guide gives exactly.

The server runs with its cache off: these tests check what the store charges, and an
eventually consistent read answered from the cache costs nothing (test_cache.py checks that).
"""

import pytest

import ddbx_util as u


@pytest.fixture(scope="module")
def server(ddbx_binary, tmp_path_factory):
    """This module's own in-memory ddbx, with the cache off."""
    srv = u.Server(tmp_path_factory.mktemp("ddbx-logs"), extra_args=["--cache=false"])
    try:
        srv.wait_ready()
    except Exception:
        srv.kill9()
        raise
    yield srv
    problem = u.stop_and_check(srv, timeout=5)
    if problem:
        pytest.fail(problem)


def S(x):
    return {"S": x}


def _cc(consumed, table):
    """(CapacityUnits, Table.CapacityUnits or None) of one ConsumedCapacity for `table`."""
    assert consumed["TableName"] == table
    return consumed["CapacityUnits"], consumed.get("Table", {}).get("CapacityUnits")


def _put_sized(ddb, table, pk, size, sk=None):
    key = {"pk": S(pk)} if sk is None else {"pk": S(pk), "sk": S(sk)}
    item = u.sized_item(key, size)
    ddb.put_item(TableName=table, Item=item)
    return item


# ---- GetItem --------------------------------------------------------------------------------


@pytest.mark.parametrize("size, eventual, strong", [
    (100, 0.5, 1.0), (4096, 0.5, 1.0), (4097, 1.0, 2.0), (5 * 1024, 1.0, 2.0),
    (8192, 1.0, 2.0), (8193, 1.5, 3.0), (400 * 1024, 50.0, 100.0),
])
def test_get_item(ddb, hash_table, size, eventual, strong):
    _put_sized(ddb, hash_table, "g", size)
    key = {"pk": S("g")}
    resp = ddb.get_item(TableName=hash_table, Key=key, ReturnConsumedCapacity="TOTAL")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (eventual, None)
    resp = ddb.get_item(TableName=hash_table, Key=key, ReturnConsumedCapacity="TOTAL",
                        ConsistentRead=True)
    assert _cc(resp["ConsumedCapacity"], hash_table) == (strong, None)
    resp = ddb.get_item(TableName=hash_table, Key=key, ReturnConsumedCapacity="INDEXES")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (eventual, eventual)
    # A projection does not make the read cheaper: the whole item is read.
    resp = ddb.get_item(TableName=hash_table, Key=key, ReturnConsumedCapacity="TOTAL",
                        ProjectionExpression="pk")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (eventual, None)


def test_get_missing_item(ddb, hash_table):
    key = {"pk": S("missing")}
    resp = ddb.get_item(TableName=hash_table, Key=key, ReturnConsumedCapacity="TOTAL")
    assert "Item" not in resp
    assert _cc(resp["ConsumedCapacity"], hash_table) == (0.5, None)
    resp = ddb.get_item(TableName=hash_table, Key=key, ReturnConsumedCapacity="INDEXES",
                        ConsistentRead=True)
    assert _cc(resp["ConsumedCapacity"], hash_table) == (1.0, 1.0)


def test_none_and_absent_return_nothing(port, ddb, hash_table):
    key = {"pk": S("x")}
    assert "ConsumedCapacity" not in ddb.get_item(TableName=hash_table, Key=key,
                                                  ReturnConsumedCapacity="NONE")
    assert "ConsumedCapacity" not in ddb.put_item(TableName=hash_table, Item=key)
    r = u.call(port, "GetItem", {"TableName": hash_table, "Key": key,
                                 "ReturnConsumedCapacity": "TOTAL"})
    assert (r.status, r.json()) == (200, {"Item": key, "ConsumedCapacity": {
        "TableName": hash_table, "CapacityUnits": 0.5}})


def test_invalid_return_consumed_capacity(port, hash_table):
    r = u.call(port, "GetItem", {"TableName": hash_table, "Key": {"pk": S("x")},
                                 "ReturnConsumedCapacity": "hi"})
    u.expect_validation(r, "1 validation error detected: Value 'hi' at 'returnConsumedCapacity' "
                           "failed to satisfy constraint: Member must satisfy enum value set: "
                           "[INDEXES, TOTAL, NONE]")


# ---- Writes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size, units", [(10, 1.0), (1024, 1.0), (1025, 2.0), (1536, 2.0),
                                         (2048, 2.0), (10 * 1024 + 1, 11.0)])
def test_put_item(ddb, hash_table, size, units):
    item = u.sized_item({"pk": S("p")}, size)
    resp = ddb.put_item(TableName=hash_table, Item=item, ReturnConsumedCapacity="TOTAL")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (units, None)
    resp = ddb.put_item(TableName=hash_table, Item=item, ReturnConsumedCapacity="INDEXES")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (units, units)


def test_put_over_a_larger_item_costs_the_larger(ddb, hash_table):
    _put_sized(ddb, hash_table, "p", 3000)
    resp = ddb.put_item(TableName=hash_table, Item={"pk": S("p")}, ReturnConsumedCapacity="TOTAL")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (3.0, None)
    resp = ddb.put_item(TableName=hash_table, Item={"pk": S("p")}, ReturnConsumedCapacity="TOTAL")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (1.0, None)


def test_delete_item(ddb, hash_table):
    _put_sized(ddb, hash_table, "d", 3000)
    resp = ddb.delete_item(TableName=hash_table, Key={"pk": S("d")},
                           ReturnConsumedCapacity="TOTAL")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (3.0, None)
    resp = ddb.delete_item(TableName=hash_table, Key={"pk": S("d")},
                           ReturnConsumedCapacity="INDEXES")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (1.0, 1.0)


def test_update_item(ddb, hash_table):
    key = {"pk": S("u")}
    # Creating: the new item's size.
    resp = ddb.update_item(TableName=hash_table, Key=key, UpdateExpression="SET d = :d",
                           ExpressionAttributeValues={":d": S("x" * 1500)},
                           ReturnConsumedCapacity="TOTAL")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (2.0, None)
    # Growing: the item after.
    resp = ddb.update_item(TableName=hash_table, Key=key, UpdateExpression="SET e = :e",
                           ExpressionAttributeValues={":e": S("y" * 1500)},
                           ReturnConsumedCapacity="TOTAL")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (3.0, None)
    # Shrinking: the item before.
    resp = ddb.update_item(TableName=hash_table, Key=key, UpdateExpression="REMOVE d, e",
                           ReturnConsumedCapacity="INDEXES")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (3.0, 3.0)
    resp = ddb.update_item(TableName=hash_table, Key=key, UpdateExpression="SET f = :f",
                           ExpressionAttributeValues={":f": S("z")},
                           ReturnConsumedCapacity="TOTAL", ReturnValues="ALL_NEW")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (1.0, None)
    assert resp["Attributes"] == dict(key, f=S("z"))


# ---- Query and Scan: sizes summed before rounding -------------------------------------------


def test_query_sums_item_sizes_before_rounding(ddb, range_table):
    for i in range(3):
        _put_sized(ddb, range_table, "q", 1500, sk=f"s{i}")
    _put_sized(ddb, range_table, "other", 4000, sk="s")
    kwargs = dict(TableName=range_table, KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": S("q")})
    # 4,500 bytes: 2 units strongly consistent, 1 eventually (3 and 1.5 if rounded per item).
    resp = ddb.query(ReturnConsumedCapacity="TOTAL", **kwargs)
    assert resp["Count"] == 3
    assert _cc(resp["ConsumedCapacity"], range_table) == (1.0, None)
    resp = ddb.query(ReturnConsumedCapacity="INDEXES", ConsistentRead=True, **kwargs)
    assert _cc(resp["ConsumedCapacity"], range_table) == (2.0, 2.0)
    # What is read counts, not what is returned.
    resp = ddb.query(ReturnConsumedCapacity="TOTAL", FilterExpression="attribute_exists(nope)",
                     **kwargs)
    assert resp["Count"] == 0
    assert _cc(resp["ConsumedCapacity"], range_table) == (1.0, None)
    resp = ddb.query(ReturnConsumedCapacity="TOTAL", Select="COUNT", **kwargs)
    assert _cc(resp["ConsumedCapacity"], range_table) == (1.0, None)
    resp = ddb.query(ReturnConsumedCapacity="TOTAL", ProjectionExpression="pk", **kwargs)
    assert _cc(resp["ConsumedCapacity"], range_table) == (1.0, None)
    # Two items: 3,000 bytes, one unit.
    resp = ddb.query(ReturnConsumedCapacity="TOTAL", Limit=2, ConsistentRead=True, **kwargs)
    assert _cc(resp["ConsumedCapacity"], range_table) == (1.0, None)
    resp = ddb.query(ReturnConsumedCapacity="NONE", **kwargs)
    assert "ConsumedCapacity" not in resp


def test_query_of_many_items(ddb, range_table):
    # 25 items of 41,000 bytes: 1,025,000 bytes, 251 units of 4 KB, 125.5 eventually.
    for i in range(25):
        _put_sized(ddb, range_table, "many", 41000, sk=f"{i:02d}")
    resp = ddb.query(TableName=range_table, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": S("many")}, Select="COUNT",
                     ReturnConsumedCapacity="TOTAL")
    assert resp["Count"] == 25 and "LastEvaluatedKey" not in resp
    assert _cc(resp["ConsumedCapacity"], range_table) == (125.5, None)


def test_scan_sums_item_sizes_before_rounding(ddb, hash_table):
    for i in range(3):
        _put_sized(ddb, hash_table, f"s{i}", 1500)
    resp = ddb.scan(TableName=hash_table, ReturnConsumedCapacity="TOTAL")
    assert resp["ScannedCount"] == 3
    assert _cc(resp["ConsumedCapacity"], hash_table) == (1.0, None)
    resp = ddb.scan(TableName=hash_table, ReturnConsumedCapacity="INDEXES", ConsistentRead=True,
                    FilterExpression="attribute_exists(nope)")
    assert _cc(resp["ConsumedCapacity"], hash_table) == (2.0, 2.0)
    resp = ddb.scan(TableName=hash_table, ReturnConsumedCapacity="TOTAL", Limit=2)
    assert _cc(resp["ConsumedCapacity"], hash_table) == (0.5, None)
    total = 0
    for segment in range(2):
        resp = ddb.scan(TableName=hash_table, Segment=segment, TotalSegments=2,
                        ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
        assert resp["ConsumedCapacity"]["TableName"] == hash_table
        total += resp["ConsumedCapacity"]["CapacityUnits"]
    assert total in (2.0, 3.0)  # 1+1 if split 2/1 (3,000 and 1,500 bytes), 2 if 3/0 (+ 0 or 1)


# ---- Batches: rounded per item --------------------------------------------------------------


def test_batch_get_item(ddb, hash_table, range_table):
    _put_sized(ddb, hash_table, "a", 1500)
    _put_sized(ddb, hash_table, "b", 1500)
    _put_sized(ddb, hash_table, "c", 5 * 1024)
    request = {hash_table: {"Keys": [{"pk": S("a")}, {"pk": S("b")}, {"pk": S("c")},
                                     {"pk": S("missing")}]},
               range_table: {"Keys": [{"pk": S("x"), "sk": S("y")}]}}
    resp = ddb.batch_get_item(RequestItems=request, ReturnConsumedCapacity="TOTAL")
    got = {c["TableName"]: _cc(c, c["TableName"]) for c in resp["ConsumedCapacity"]}
    # 0.5 + 0.5 + 1 + 0.5 eventually; the other table's missing key 0.5.
    assert got == {hash_table: (2.5, None), range_table: (0.5, None)}
    for t in request:
        request[t]["ConsistentRead"] = True
    resp = ddb.batch_get_item(RequestItems=request, ReturnConsumedCapacity="INDEXES")
    got = {c["TableName"]: _cc(c, c["TableName"]) for c in resp["ConsumedCapacity"]}
    assert got == {hash_table: (5.0, 5.0), range_table: (1.0, 1.0)}
    resp = ddb.batch_get_item(RequestItems=request)
    assert "ConsumedCapacity" not in resp


def test_batch_write_item(ddb, hash_table, range_table):
    _put_sized(ddb, range_table, "old", 2500, sk="s")
    puts = [{"PutRequest": {"Item": u.sized_item({"pk": S(f"p{i}")}, 1500)}} for i in range(2)]
    request = {hash_table: puts + [{"DeleteRequest": {"Key": {"pk": S("missing")}}}],
               range_table: [{"DeleteRequest": {"Key": {"pk": S("old"), "sk": S("s")}}},
                             {"PutRequest": {"Item": {"pk": S("n"), "sk": S("s")}}}]}
    resp = ddb.batch_write_item(RequestItems=request, ReturnConsumedCapacity="TOTAL")
    assert resp["UnprocessedItems"] == {}
    got = {c["TableName"]: _cc(c, c["TableName"]) for c in resp["ConsumedCapacity"]}
    # 2 + 2 + 1 (deleting nothing); 3 (deleting 2,500 bytes) + 1.
    assert got == {hash_table: (5.0, None), range_table: (4.0, None)}
    request[range_table] = [{"PutRequest": {"Item": u.sized_item(
        {"pk": S("n"), "sk": S("s")}, 1025)}}]
    resp = ddb.batch_write_item(RequestItems=request, ReturnConsumedCapacity="INDEXES")
    got = {c["TableName"]: _cc(c, c["TableName"]) for c in resp["ConsumedCapacity"]}
    assert got == {hash_table: (5.0, 5.0), range_table: (2.0, 2.0)}
