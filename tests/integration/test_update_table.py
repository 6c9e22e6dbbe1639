"""UpdateTable (provisioned throughput up and down, billing mode both ways) as DescribeTable
then shows it, and DescribeTable's ItemCount and TableSizeBytes after writes.

Sources: dynalite test/updateTable.js (architect/dynalite, checked against live DynamoDB): the
answer is the table description in status UPDATING, then the table is ACTIVE with the new
values, LastIncreaseDateTime / LastDecreaseDateTime / NumberOfDecreasesToday; the "will not
change" message (also quoted from live DynamoDB in cortexproject/cortex PR #441); the not-found
text. The API reference (BillingModeSummary, LastUpdateToPayPerRequestDateTime; on-demand tables
report 0 read and write units). TableSizeBytes uses the item-size rule of the Developer Guide
("Item sizes and formats").

DynamoDB refreshes ItemCount and TableSizeBytes about every six hours; ddbx reports them as
of the last write, which is one of the values DynamoDB could show, and the only one a test
can pin down.
"""

import datetime

import pytest

import ddbx_util as u


def _near_now(ts):
    now = datetime.datetime.now(datetime.timezone.utc)
    return abs((now - ts).total_seconds()) < 120


def _provisioned(ddb):
    name = u.unique_name("upd")
    u.create_table(ddb, name, billing="PROVISIONED")
    desc = ddb.describe_table(TableName=name)["Table"]
    tp = desc["ProvisionedThroughput"]
    assert (tp["ReadCapacityUnits"], tp["WriteCapacityUnits"]) == (5, 7)
    return name


def test_increase_throughput(ddb):
    name = _provisioned(ddb)
    resp = ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 10,
                                                                   "WriteCapacityUnits": 20})
    desc = resp["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableStatus"] == "UPDATING"
    assert desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    desc = u.wait_active(ddb, name)
    tp = desc["ProvisionedThroughput"]
    assert (tp["ReadCapacityUnits"], tp["WriteCapacityUnits"]) == (10, 20)
    assert _near_now(tp["LastIncreaseDateTime"])
    assert tp["NumberOfDecreasesToday"] == 0
    assert desc.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED") == "PROVISIONED"


def test_decrease_throughput(ddb):
    name = _provisioned(ddb)
    resp = ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 1,
                                                                   "WriteCapacityUnits": 2})
    assert resp["TableDescription"]["TableStatus"] == "UPDATING"
    tp = u.wait_active(ddb, name)["ProvisionedThroughput"]
    assert (tp["ReadCapacityUnits"], tp["WriteCapacityUnits"]) == (1, 2)
    assert _near_now(tp["LastDecreaseDateTime"])
    assert tp["NumberOfDecreasesToday"] == 1


def test_unchanged_throughput_is_refused(ddb, port):
    name = _provisioned(ddb)
    r = u.call(port, "UpdateTable", {"TableName": name, "ProvisionedThroughput": {
        "ReadCapacityUnits": 5, "WriteCapacityUnits": 7}})
    u.expect_validation(r, "The provisioned throughput for the table will not change. The "
                           "requested value equals the current value. Current ReadCapacityUnits "
                           "provisioned for the table: 5. Requested ReadCapacityUnits: 5. "
                           "Current WriteCapacityUnits provisioned for the table: 7. Requested "
                           "WriteCapacityUnits: 7. Refer to the Amazon DynamoDB Developer Guide "
                           "for current limits and how to request higher limits.")


def test_switch_to_on_demand_and_back(ddb):
    name = _provisioned(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "kept"}})
    resp = ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    assert resp["TableDescription"]["TableStatus"] == "UPDATING"
    desc = u.wait_active(ddb, name)
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert _near_now(desc["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"])
    tp = desc["ProvisionedThroughput"]
    assert (tp["ReadCapacityUnits"], tp["WriteCapacityUnits"]) == (0, 0)
    resp = ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                            ProvisionedThroughput={"ReadCapacityUnits": 3,
                                                   "WriteCapacityUnits": 4})
    assert resp["TableDescription"]["TableStatus"] == "UPDATING"
    desc = u.wait_active(ddb, name)
    assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    tp = desc["ProvisionedThroughput"]
    assert (tp["ReadCapacityUnits"], tp["WriteCapacityUnits"]) == (3, 4)
    # The data is untouched.
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "kept"}})["Item"] == {
        "pk": {"S": "kept"}}


def test_on_demand_table_to_provisioned(ddb, hash_table):
    ddb.update_table(TableName=hash_table, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 8, "WriteCapacityUnits": 9})
    desc = u.wait_active(ddb, hash_table)
    assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    tp = desc["ProvisionedThroughput"]
    assert (tp["ReadCapacityUnits"], tp["WriteCapacityUnits"]) == (8, 9)
    # ListTables and the data plane do not notice.
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}})
    assert "Item" in ddb.get_item(TableName=hash_table, Key={"pk": {"S": "a"}})


def test_update_missing_table(ddb, port):
    name = u.unique_name("missing")
    r = u.call(port, "UpdateTable", {"TableName": name, "ProvisionedThroughput": {
        "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}})
    u.expect_error(r, u.T_NOT_FOUND, f"Requested resource not found: Table: {name} not found")
    assert u.failure(ddb.update_table, TableName=name, BillingMode="PAY_PER_REQUEST") == (
        "ResourceNotFoundException", f"Requested resource not found: Table: {name} not found",
        400)


@pytest.mark.parametrize("throughput, message", [
    ({"ReadCapacityUnits": 0, "WriteCapacityUnits": 5},
     "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' "
     "failed to satisfy constraint: Member must have value greater than or equal to 1"),
    ({"ReadCapacityUnits": 5, "WriteCapacityUnits": -1},
     "1 validation error detected: Value '-1' at 'provisionedThroughput.writeCapacityUnits' "
     "failed to satisfy constraint: Member must have value greater than or equal to 1"),
])
def test_invalid_throughput(port, throughput, message):
    r = u.call(port, "UpdateTable", {"TableName": u.unique_name(),
                                     "ProvisionedThroughput": throughput})
    u.expect_validation(r, message)


# ---- ItemCount and TableSizeBytes -----------------------------------------------------------


def test_item_count_and_size_follow_writes(ddb, range_table):
    def counts():
        t = ddb.describe_table(TableName=range_table)["Table"]
        return t["ItemCount"], t["TableSizeBytes"]

    assert counts() == (0, 0)
    items = [{"pk": {"S": f"p{i}"}, "sk": {"S": "s"}, "data": {"S": "é" * (10 * i)},
              "bin": {"B": bytes(i)}, "flag": {"BOOL": True}} for i in range(1, 6)]
    for item in items:
        ddb.put_item(TableName=range_table, Item=item)
    assert counts() == (5, sum(u.item_size(it) for it in items))
    # Overwriting changes the size, not the count.
    bigger = dict(items[0], data={"S": "x" * 1000})
    ddb.put_item(TableName=range_table, Item=bigger)
    expected = [bigger] + items[1:]
    assert counts() == (5, sum(u.item_size(it) for it in expected))
    ddb.delete_item(TableName=range_table, Key={"pk": {"S": "p2"}, "sk": {"S": "s"}})
    expected = [it for it in expected if it["pk"]["S"] != "p2"]
    assert counts() == (4, sum(u.item_size(it) for it in expected))
    ddb.delete_item(TableName=range_table, Key={"pk": {"S": "p2"}, "sk": {"S": "s"}})
    assert counts() == (4, sum(u.item_size(it) for it in expected))
    ddb.update_item(TableName=range_table, Key={"pk": {"S": "new"}, "sk": {"S": "s"}},
                    UpdateExpression="SET tag = :t", ExpressionAttributeValues={
                        ":t": {"S": "tag"}})
    expected.append({"pk": {"S": "new"}, "sk": {"S": "s"}, "tag": {"S": "tag"}})
    assert counts() == (5, sum(u.item_size(it) for it in expected))
    ddb.batch_write_item(RequestItems={range_table: [
        {"DeleteRequest": {"Key": {"pk": {"S": "p1"}, "sk": {"S": "s"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"S": "s"}}}}]})
    expected = [it for it in expected if it["pk"]["S"] != "p1"]
    expected.append({"pk": {"S": "b"}, "sk": {"S": "s"}})
    assert counts() == (5, sum(u.item_size(it) for it in expected))
