"""Control plane through boto3 and raw HTTP: CreateTable, DescribeTable, ListTables, DeleteTable.

Expected shapes and messages are DynamoDB's. Sources: the DynamoDB API reference for the
response shapes; dynalite's test suite (architect/dynalite test/*.js, whose expectations are
checked against live DynamoDB) for the exact validation and not-found texts.
"""

import datetime
import re
import time

import pytest
from botocore.exceptions import ClientError

import ddbx_util as u

ARN_RE = r"arn:aws:dynamodb:us-east-1:\d{12}:table/"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _near_now(ts):
    now = datetime.datetime.now(datetime.timezone.utc)
    return abs((now - ts).total_seconds()) < 120


# ---- CreateTable / DescribeTable ------------------------------------------------------------


def test_create_table_returns_creating_description(ddb, table_name):
    resp = ddb.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7})
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    desc = resp["TableDescription"]
    assert desc["TableName"] == table_name
    assert desc["TableStatus"] == "CREATING"
    assert desc["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert desc["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert re.fullmatch(ARN_RE + re.escape(table_name), desc["TableArn"]), desc["TableArn"]
    assert UUID_RE.match(desc["TableId"]), desc["TableId"]
    assert _near_now(desc["CreationDateTime"])
    assert desc["ItemCount"] == 0
    assert desc["TableSizeBytes"] == 0
    tp = desc["ProvisionedThroughput"]
    assert (tp["ReadCapacityUnits"], tp["WriteCapacityUnits"]) == (5, 7)
    assert tp["NumberOfDecreasesToday"] == 0


def test_table_becomes_active_with_same_identity(ddb, table_name):
    created = u.create_table(ddb, table_name, wait=False)["TableDescription"]
    assert created["TableStatus"] == "CREATING"
    desc = u.wait_active(ddb, table_name, timeout=5)
    assert desc["TableStatus"] == "ACTIVE"
    for field in ("TableName", "TableArn", "TableId", "CreationDateTime", "KeySchema",
                  "AttributeDefinitions"):
        assert desc[field] == created[field], field


def test_table_exists_waiter_is_quick(ddb, table_name):
    u.create_table(ddb, table_name, wait=False)
    start = time.monotonic()
    ddb.get_waiter("table_exists").wait(TableName=table_name,
                                        WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    assert time.monotonic() - start < 5
    assert ddb.describe_table(TableName=table_name)["Table"]["TableStatus"] == "ACTIVE"


def test_describe_table_raw_shape(ddb, port, table_name):
    """CreationDateTime is epoch seconds as a JSON number, as the service sends it."""
    u.create_table(ddb, table_name)
    r = u.call(port, "DescribeTable", {"TableName": table_name})
    assert r.status == 200, r
    table = r.json()["Table"]
    assert isinstance(table["CreationDateTime"], (int, float))
    assert abs(table["CreationDateTime"] - time.time()) < 120
    assert table["TableStatus"] == "ACTIVE"
    assert table["ItemCount"] == 0 and table["TableSizeBytes"] == 0


def test_pay_per_request_table(ddb, table_name):
    desc = u.create_table(ddb, table_name)["TableDescription"]
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    desc = ddb.describe_table(TableName=table_name)["Table"]
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    tp = desc["ProvisionedThroughput"]
    assert (tp["ReadCapacityUnits"], tp["WriteCapacityUnits"]) == (0, 0)
    assert tp["NumberOfDecreasesToday"] == 0


def test_composite_key_schema(ddb, table_name):
    ddb.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "pk", "AttributeType": "B"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST")
    desc = u.wait_active(ddb, table_name)
    assert desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                 {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert sorted(desc["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": "pk", "AttributeType": "B"},
        {"AttributeName": "sk", "AttributeType": "N"}]


def test_table_name_of_255_characters_and_odd_characters(ddb):
    long_name = ("L" + u.unique_name("x")).ljust(255, "z")
    odd_name = "a_." + u.unique_name("-Z9")
    for name in (long_name, odd_name):
        u.create_table(ddb, name)
        assert ddb.describe_table(TableName=name)["Table"]["TableName"] == name


def test_create_duplicate_table(ddb, table_name):
    u.create_table(ddb, table_name)
    with pytest.raises(ClientError) as e:
        u.create_table(ddb, table_name, wait=False)
    # Message as DynamoDB sends it for an existing table.
    assert u.error_of(e) == ("ResourceInUseException", f"Table already exists: {table_name}",
                             400)


def test_describe_missing_table(ddb, port):
    name = u.unique_name("missing")
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName=name)
    assert u.error_of(e) == ("ResourceNotFoundException",
                             f"Requested resource not found: Table: {name} not found", 400)
    r = u.call(port, "DescribeTable", {"TableName": name})
    assert r.status == 400
    assert r.json() == {"__type": u.T_NOT_FOUND,
                        "message": f"Requested resource not found: Table: {name} not found"}


# ---- DeleteTable ----------------------------------------------------------------------------


def test_delete_table_lifecycle(ddb, table_name):
    created = u.create_table(ddb, table_name)
    arn = created["TableDescription"]["TableArn"]
    ddb.put_item(TableName=table_name, Item={"pk": {"S": "k"}, "v": {"S": "old"}})

    resp = ddb.delete_table(TableName=table_name)
    desc = resp["TableDescription"]
    assert desc["TableStatus"] == "DELETING"
    assert desc["TableName"] == table_name
    assert desc["TableArn"] == arn

    err = u.wait_gone(ddb, table_name)
    assert err.response["Error"]["Message"] == (
        f"Requested resource not found: Table: {table_name} not found")
    assert table_name not in _all_table_names(ddb)

    # The name is free again, and the new table starts empty.
    recreated = u.create_table(ddb, table_name)["TableDescription"]
    assert recreated["TableId"] != created["TableDescription"]["TableId"]
    assert "Item" not in ddb.get_item(TableName=table_name, Key={"pk": {"S": "k"}})


def test_table_not_exists_waiter(ddb, table_name):
    u.create_table(ddb, table_name)
    ddb.delete_table(TableName=table_name)
    start = time.monotonic()
    ddb.get_waiter("table_not_exists").wait(TableName=table_name,
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    assert time.monotonic() - start < 5


def test_delete_missing_table(ddb):
    name = u.unique_name("missing")
    with pytest.raises(ClientError) as e:
        ddb.delete_table(TableName=name)
    assert u.error_of(e) == ("ResourceNotFoundException",
                             f"Requested resource not found: Table: {name} not found", 400)


def test_delete_twice(ddb, table_name):
    u.create_table(ddb, table_name)
    ddb.delete_table(TableName=table_name)
    u.wait_gone(ddb, table_name)
    with pytest.raises(ClientError) as e:
        ddb.delete_table(TableName=table_name)
    assert u.error_of(e)[0] == "ResourceNotFoundException"


def test_resource_api_table_lifecycle(ddb_resource, table_name):
    table = ddb_resource.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST")
    table.wait_until_exists(WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    table.reload()
    assert table.table_status == "ACTIVE"
    assert table.key_schema == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table.table_arn.endswith(":table/" + table_name)
    table.delete()
    table.wait_until_not_exists(WaiterConfig={"Delay": 1, "MaxAttempts": 10})


# ---- ListTables -----------------------------------------------------------------------------


def _all_table_names(client):
    names, start = [], None
    while True:
        kwargs = {"ExclusiveStartTableName": start} if start else {}
        page = client.list_tables(**kwargs)
        names += page["TableNames"]
        start = page.get("LastEvaluatedTableName")
        if not start:
            return names


def test_list_tables_includes_new_table(ddb, table_name):
    u.create_table(ddb, table_name, wait=False)
    assert table_name in _all_table_names(ddb)


@pytest.fixture
def own_server(server_factory):
    """A fresh in-memory server, so ListTables sees exactly the tables a test made."""
    srv = server_factory()
    return srv, u.make_client(srv.endpoint)


def test_list_tables_empty(own_server):
    srv, client = own_server
    resp = client.list_tables()
    assert resp["TableNames"] == []
    assert "LastEvaluatedTableName" not in resp
    r = u.call(srv.port, "ListTables", {})
    assert r.status == 200
    assert r.json() == {"TableNames": []}


def test_list_tables_order_and_paging(own_server):
    srv, client = own_server
    # Byte order: '-' < '.' < digits < upper case < '_' < lower case.
    names = ["b_tbl", "A-tbl", "a.tbl", "a_tbl", "B-2", "0zz", "z99", "a-tbl", "aaa"]
    for n in names:
        u.create_table(client, n, wait=False)
    expected = sorted(names)

    assert client.list_tables()["TableNames"] == expected
    assert "LastEvaluatedTableName" not in client.list_tables()

    # Pages of 4: 4, 4, 1.
    p1 = client.list_tables(Limit=4)
    assert p1["TableNames"] == expected[:4]
    assert p1["LastEvaluatedTableName"] == expected[3]
    p2 = client.list_tables(Limit=4, ExclusiveStartTableName=p1["LastEvaluatedTableName"])
    assert p2["TableNames"] == expected[4:8]
    assert p2["LastEvaluatedTableName"] == expected[7]
    p3 = client.list_tables(Limit=4, ExclusiveStartTableName=p2["LastEvaluatedTableName"])
    assert p3["TableNames"] == expected[8:]
    assert "LastEvaluatedTableName" not in p3

    # A start name that is not a table: listing resumes after where it would sort.
    resp = client.list_tables(ExclusiveStartTableName="a.tbk")
    assert resp["TableNames"] == [n for n in expected if n > "a.tbk"]

    # A Limit that is exactly the number left gives no LastEvaluatedTableName
    # (dynalite's listTables test "should have no LastEvaluatedTableName if the limit is large
    # enough", checked against DynamoDB).
    resp = client.list_tables(Limit=len(expected))
    assert resp["TableNames"] == expected
    assert "LastEvaluatedTableName" not in resp
    resp = client.list_tables(Limit=len(expected) - 1)
    assert resp["LastEvaluatedTableName"] == expected[-2]

    # The boto3 paginator walks the same pages.
    pages = list(client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}))
    assert [n for p in pages for n in p["TableNames"]] == expected
    assert len(pages) == 5


def test_list_tables_default_limit_is_100(own_server):
    srv, client = own_server
    names = sorted(f"tbl{i:03d}" for i in range(101))
    for n in names:
        u.create_table(client, n, wait=False)
    resp = client.list_tables()
    assert resp["TableNames"] == names[:100]
    assert resp["LastEvaluatedTableName"] == names[99]
    rest = client.list_tables(ExclusiveStartTableName=names[99])
    assert rest["TableNames"] == names[100:]
    assert "LastEvaluatedTableName" not in rest


def test_list_tables_drops_deleted_tables(own_server):
    srv, client = own_server
    for n in ("keep1", "gone1", "keep2"):
        u.create_table(client, n)
    client.delete_table(TableName="gone1")
    u.wait_gone(client, "gone1")
    assert client.list_tables()["TableNames"] == ["keep1", "keep2"]


@pytest.mark.parametrize("limit, constraint", [
    (0, "Member must have value greater than or equal to 1"),
    (101, "Member must have value less than or equal to 100"),
])
def test_list_tables_limit_out_of_range(port, limit, constraint):
    r = u.call(port, "ListTables", {"Limit": limit})
    assert r.status == 400
    assert r.json() == {
        "__type": u.T_VALIDATION,
        "message": f"1 validation error detected: Value '{limit}' at 'limit' failed to "
                   f"satisfy constraint: {constraint}"}


def test_list_tables_start_name_too_long(port):
    name = "a" * 256
    r = u.call(port, "ListTables", {"ExclusiveStartTableName": name})
    assert r.status == 400
    assert r.json() == {
        "__type": u.T_VALIDATION,
        "message": f"1 validation error detected: Value '{name}' at 'exclusiveStartTableName' "
                   "failed to satisfy constraint: Member must have length less than or equal "
                   "to 255"}


# ---- CreateTable / DescribeTable / DeleteTable validation -----------------------------------


def _create_body(name, attrs, schema, billing=True):
    body = {"TableName": name,
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": t} for a, t in attrs],
            "KeySchema": [{"AttributeName": a, "KeyType": k} for a, k in schema]}
    if billing:
        body["BillingMode"] = "PAY_PER_REQUEST"
    return body


def _assert_validation(r, message):
    assert r.status == 400, r
    assert r.json() == {"__type": u.T_VALIDATION, "message": message}


@pytest.mark.parametrize("op", ["CreateTable", "DescribeTable", "DeleteTable"])
@pytest.mark.parametrize("name", ["", "ab", "a" * 256])
def test_table_name_length(port, op, name):
    body = _create_body(name, [("pk", "S")], [("pk", "HASH")]) if op == "CreateTable" \
        else {"TableName": name}
    _assert_validation(u.call(port, op, body),
                       "TableName must be at least 3 characters long and at most 255 "
                       "characters long")


@pytest.mark.parametrize("op", ["CreateTable", "DescribeTable", "DeleteTable"])
def test_table_name_pattern(port, op):
    body = _create_body("abc;", [("pk", "S")], [("pk", "HASH")]) if op == "CreateTable" \
        else {"TableName": "abc;"}
    _assert_validation(u.call(port, op, body),
                       "1 validation error detected: Value 'abc;' at 'tableName' failed to "
                       "satisfy constraint: Member must satisfy regular expression pattern: "
                       "[a-zA-Z0-9_.-]+")


@pytest.mark.parametrize("op", ["DescribeTable", "DeleteTable"])
def test_table_name_missing(port, op):
    _assert_validation(u.call(port, op, {}),
                       "The parameter 'TableName' is required but was not present in the "
                       "request")


def test_create_table_key_not_defined(port):
    body = _create_body(u.unique_name(), [("b", "S")], [("a", "HASH")])
    _assert_validation(u.call(port, "CreateTable", body),
                       "One or more parameter values were invalid: Some index key attributes "
                       "are not defined in AttributeDefinitions. Keys: [a], "
                       "AttributeDefinitions: [b]")


def test_create_table_extra_attribute_definition(port):
    body = _create_body(u.unique_name(), [("a", "S"), ("b", "S")], [("a", "HASH")])
    _assert_validation(u.call(port, "CreateTable", body),
                       "One or more parameter values were invalid: Number of attributes in "
                       "KeySchema does not exactly match number of attributes defined in "
                       "AttributeDefinitions")


def test_create_table_first_key_not_hash(port):
    body = _create_body(u.unique_name(), [("a", "S"), ("b", "S")],
                        [("a", "RANGE"), ("b", "HASH")])
    _assert_validation(u.call(port, "CreateTable", body),
                       "Invalid KeySchema: The first KeySchemaElement is not a HASH key type")


def test_create_table_second_key_not_range(port):
    body = _create_body(u.unique_name(), [("a", "S"), ("b", "S")],
                        [("a", "HASH"), ("b", "HASH")])
    _assert_validation(u.call(port, "CreateTable", body),
                       "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")


def test_create_table_same_name_for_both_keys(port):
    body = _create_body(u.unique_name(), [("a", "S"), ("b", "S")],
                        [("a", "HASH"), ("a", "RANGE")])
    _assert_validation(u.call(port, "CreateTable", body),
                       "Both the Hash Key and the Range Key element in the KeySchema have the "
                       "same name")


def test_create_table_bad_attribute_type(port):
    body = _create_body(u.unique_name(), [("a", "SS")], [("a", "HASH")])
    _assert_validation(u.call(port, "CreateTable", body),
                       "1 validation error detected: Value 'SS' at "
                       "'attributeDefinitions.1.member.attributeType' failed to satisfy "
                       "constraint: Member must satisfy enum value set: [B, N, S]")


def test_failed_create_leaves_no_table(ddb, port):
    name = u.unique_name()
    body = _create_body(name, [("b", "S")], [("a", "HASH")])
    assert u.call(port, "CreateTable", body).status == 400
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName=name)
    assert u.error_of(e)[0] == "ResourceNotFoundException"
