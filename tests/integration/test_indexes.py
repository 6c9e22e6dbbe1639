"""Secondary indexes declared at CreateTable: LocalSecondaryIndexes and GlobalSecondaryIndexes.

- CreateTable / DescribeTable: each index is described. LSIs carry IndexName, KeySchema,
  Projection, IndexSizeBytes, ItemCount and IndexArn (<TableArn>/index/<name>); GSIs add
  IndexStatus (CREATING in the CreateTable answer, ACTIVE afterwards) and ProvisionedThroughput
  (0/0 with NumberOfDecreasesToday 0 on PAY_PER_REQUEST tables, the requested units on
  PROVISIONED ones). Projection holds NonKeyAttributes for INCLUDE only. Tables without
  indexes have no index members. Up to 5 LSIs and 20 GSIs.
- CreateTable validation: every semantic message (range key needed for LSIs, undefined index
  keys, a different LSI hash key, a one-key LSI, NonKeyAttributes with ALL/KEYS_ONLY or missing
  with INCLUDE, duplicate names across LSIs and GSIs, the 5 / 20 limits, GSI throughput versus
  billing mode, unused attribute definitions, empty index lists, the key-schema shape errors)
  and the constraint messages for a short index name and an unknown ProjectionType. A rejected
  table is not created.
- Index maintenance by PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems and
  the TTL sweeper: entries are added, moved (index key changed), updated (projected attribute
  changed) and removed; items without an index key are not in the index (sparse); failed
  conditions and cancelled transactions change nothing. Every step is compared against a model
  of the table: a Scan of each index returns exactly the projected items, and DescribeTable's
  ItemCount and IndexSizeBytes (the sum of the projected items' sizes) match.
- Index key errors: a value of the wrong type is a ValidationException "Type mismatch for Index
  Key ..." and nothing is written (also for the other items of a batch or a transaction); an
  empty string / binary index key value is a ValidationException.
- Query on an index: every sort-key operator on N and S index sort keys, ScanIndexForward,
  equal index keys, Limit + ExclusiveStartKey / LastEvaluatedKey (index keys plus table keys),
  FilterExpression, ProjectionExpression, Select (COUNT, ALL_PROJECTED_ATTRIBUTES,
  ALL_ATTRIBUTES), the default projected attributes, LSI fetches of non-projected attributes,
  ConsistentRead on LSIs; the errors: GSI consistent reads, ALL_ATTRIBUTES on a non-ALL GSI,
  an unknown index, a missing table, a key condition not on the index keys.
- Scan on an index: projections, Limit pagination, parallel scans (every entry exactly once).
- DeleteTable + CreateTable with the same name: the indexes start empty.
- Persistence: indexes, their counts and their entries survive a restart (SIGTERM and kill -9)
  of a disk-backed server and keep being maintained afterwards.

Messages and behaviours: /work/notes/index-spec.md (dynalite's CreateTable validations and
tests recorded against AWS, the nubo-db / paritysuite conformance suites measured on real
DynamoDB, ScyllaDB's Alternator GSI tests, the API reference). Entries marked UNVERIFIED there
are asserted by error type only, except where the ddbx brief fixes the text.
"""

import decimal
import json
import random
import re
import threading
import time

import pytest
from botocore.exceptions import ClientError

import ddbx_util as u

PREFIX = "One or more parameter values were invalid: "
CONSISTENT_GSI = "Consistent reads are not supported on global secondary indexes"
ARN_RE = r"arn:aws:dynamodb:us-east-1:\d{12}:table/"


def S(x):
    return {"S": x}


def N(x):
    return {"N": str(x)}


def B(x):
    return {"B": x}


# ---- Request builders ----------------------------------------------------------------------


def _defs(*pairs):
    return [{"AttributeName": n, "AttributeType": t} for n, t in pairs]


def _schema(hash_key, range_key=None):
    out = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        out.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return out


def _projection(proj, nka=None):
    p = {"ProjectionType": proj}
    if nka is not None:
        p["NonKeyAttributes"] = list(nka)
    return p


def _lsi(name, range_key, proj="ALL", nka=None, hash_key="pk"):
    return {"IndexName": name, "KeySchema": _schema(hash_key, range_key),
            "Projection": _projection(proj, nka)}


def _gsi(name, hash_key, range_key=None, proj="ALL", nka=None, throughput=None):
    out = {"IndexName": name, "KeySchema": _schema(hash_key, range_key),
           "Projection": _projection(proj, nka)}
    if throughput:
        out["ProvisionedThroughput"] = {"ReadCapacityUnits": throughput[0],
                                        "WriteCapacityUnits": throughput[1]}
    return out


def _table_request(name, defs, hash_key="pk", range_key="sk", lsis=None, gsis=None,
                   billing="PAY_PER_REQUEST", throughput=(5, 7)):
    req = {"TableName": name, "AttributeDefinitions": defs,
           "KeySchema": _schema(hash_key, range_key)}
    if billing == "PAY_PER_REQUEST":
        req["BillingMode"] = "PAY_PER_REQUEST"
    else:
        req["ProvisionedThroughput"] = {"ReadCapacityUnits": throughput[0],
                                        "WriteCapacityUnits": throughput[1]}
    if lsis is not None:
        req["LocalSecondaryIndexes"] = lsis
    if gsis is not None:
        req["GlobalSecondaryIndexes"] = gsis
    return req


def _create(ddb, req):
    resp = ddb.create_table(**req)
    u.wait_active(ddb, req["TableName"])
    return resp


# ---- Reading indexes -----------------------------------------------------------------------


def _key(item):
    return json.dumps(u.normalize_item(item), sort_keys=True, default=repr)


def _sorted(items):
    return sorted(items, key=_key)


def _scan_all(ddb, table, index, **kw):
    items, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        page = ddb.scan(TableName=table, IndexName=index, **kw, **extra)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _query_pages(ddb, table, index, kce, values, limit=None, **kw):
    """All pages of an index query: (items, pages)."""
    items, pages, start = [], [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        if limit:
            extra["Limit"] = limit
        page = ddb.query(TableName=table, IndexName=index, KeyConditionExpression=kce,
                         ExpressionAttributeValues=values, **kw, **extra)
        pages.append(page)
        items += page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return items, pages
        assert len(pages) < 200, "query did not finish paging"


def _index_descs(desc):
    out = {}
    for kind in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        for idx in desc.get(kind, []):
            assert idx["IndexName"] not in out
            out[idx["IndexName"]] = idx
    return out


def _index_stats(ddb, table):
    desc = ddb.describe_table(TableName=table)["Table"]
    return {name: (d["ItemCount"], d["IndexSizeBytes"]) for name, d in _index_descs(desc).items()}


# ---- A model of a table with indexes --------------------------------------------------------


class Model:
    """The expected contents of every index of a table, from the table's items."""

    def __init__(self, table_keys, indexes):
        self.table_keys = list(table_keys)
        self.indexes = indexes  # name -> (index keys, projection type, non-key attributes)
        self.items = {}

    def _tk(self, item):
        return tuple(json.dumps(item[k], sort_keys=True) for k in self.table_keys)

    def put(self, item):
        self.items[self._tk(item)] = dict(item)

    def delete(self, key):
        self.items.pop(self._tk(key), None)

    def get(self, key):
        return self.items.get(self._tk(key))

    def project(self, item, index):
        keys, proj, nka = self.indexes[index]
        if not all(k in item for k in keys):
            return None
        if proj == "ALL":
            return dict(item)
        names = set(self.table_keys) | set(keys)
        if proj == "INCLUDE":
            names |= set(nka)
        return {k: v for k, v in item.items() if k in names}

    def entries(self, index):
        out = []
        for item in self.items.values():
            p = self.project(item, index)
            if p is not None:
                out.append(p)
        return out

    def check(self, ddb, table, sizes=True):
        stats = _index_stats(ddb, table)
        assert set(stats) == set(self.indexes)
        for index in self.indexes:
            expected = self.entries(index)
            got = _scan_all(ddb, table, index)
            assert _sorted(got) == _sorted(expected), index
            count, size = stats[index]
            assert count == len(expected), (index, stats[index])
            if sizes:
                assert size == sum(u.item_size(e) for e in expected), (index, stats[index])
        scanned = _scan_all_table(ddb, table)
        assert _sorted(scanned) == _sorted(self.items.values())


def _scan_all_table(ddb, table):
    items, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        page = ddb.scan(TableName=table, ConsistentRead=True, **extra)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


# The write-maintenance table: only S values, so every index size is exact.
W_INDEXES = {
    "lsi_inc": (["pk", "l"], "INCLUDE", ["x"]),
    "lsi_all": (["pk", "m"], "ALL", []),
    "g_inc": (["g"], "INCLUDE", ["x", "y"]),
    "g_keys": (["g", "r"], "KEYS_ONLY", []),
    "g_inv": (["sk", "pk"], "ALL", []),
}


def _w_request(name):
    return _table_request(
        name, _defs(("pk", "S"), ("sk", "S"), ("l", "S"), ("m", "S"), ("g", "S"), ("r", "S")),
        lsis=[_lsi("lsi_inc", "l", "INCLUDE", ["x"]), _lsi("lsi_all", "m", "ALL")],
        gsis=[_gsi("g_inc", "g", None, "INCLUDE", ["x", "y"]),
              _gsi("g_keys", "g", "r", "KEYS_ONLY"),
              _gsi("g_inv", "sk", "pk", "ALL")])


@pytest.fixture
def wtable(ddb):
    name = u.unique_name("idxw")
    _create(ddb, _w_request(name))
    return name, Model(["pk", "sk"], W_INDEXES)


# =============================================================================================
# CreateTable / DescribeTable
# =============================================================================================


def _expected_lsi(arn, name, range_key, proj, nka=None):
    d = {"IndexName": name, "KeySchema": _schema("pk", range_key),
         "Projection": _projection(proj, nka), "IndexSizeBytes": 0, "ItemCount": 0,
         "IndexArn": f"{arn}/index/{name}"}
    return d


def _expected_gsi(arn, name, hash_key, range_key, proj, nka=None, status="ACTIVE",
                  throughput=(0, 0)):
    return {"IndexName": name, "KeySchema": _schema(hash_key, range_key),
            "Projection": _projection(proj, nka), "IndexStatus": status,
            "ProvisionedThroughput": {"NumberOfDecreasesToday": 0,
                                      "ReadCapacityUnits": throughput[0],
                                      "WriteCapacityUnits": throughput[1]},
            "IndexSizeBytes": 0, "ItemCount": 0, "IndexArn": f"{arn}/index/{name}"}


def _sorted_nka(indexes):
    out = []
    for idx in indexes:
        idx = json.loads(json.dumps(idx))
        if "NonKeyAttributes" in idx["Projection"]:
            idx["Projection"]["NonKeyAttributes"].sort()
        out.append(idx)
    return sorted(out, key=lambda d: d["IndexName"])


def test_create_and_describe_show_every_index(port, table_name):
    req = _table_request(
        table_name,
        _defs(("pk", "S"), ("sk", "N"), ("l1", "N"), ("l2", "S"), ("g", "S"), ("r", "B")),
        lsis=[_lsi("by_l1", "l1", "KEYS_ONLY"), _lsi("by_l2", "l2", "INCLUDE", ["b", "a"]),
              _lsi("by-l2.all", "l2", "ALL")],
        gsis=[_gsi("g_all", "g"), _gsi("g_keys", "g", "r", "KEYS_ONLY"),
              _gsi("g_inc", "r", "sk", "INCLUDE", ["z", "q", "m"])])
    r = u.call(port, "CreateTable", req)
    assert r.status == 200, r
    created = r.json()["TableDescription"]
    arn = created["TableArn"]
    assert created["TableStatus"] == "CREATING"

    lsis = [_expected_lsi(arn, "by_l1", "l1", "KEYS_ONLY"),
            _expected_lsi(arn, "by_l2", "l2", "INCLUDE", ["b", "a"]),
            _expected_lsi(arn, "by-l2.all", "l2", "ALL")]

    def gsis(status):
        return [_expected_gsi(arn, "g_all", "g", None, "ALL", status=status),
                _expected_gsi(arn, "g_keys", "g", "r", "KEYS_ONLY", status=status),
                _expected_gsi(arn, "g_inc", "r", "sk", "INCLUDE", ["z", "q", "m"],
                              status=status)]

    assert _sorted_nka(created["LocalSecondaryIndexes"]) == _sorted_nka(lsis)
    assert _sorted_nka(created["GlobalSecondaryIndexes"]) == _sorted_nka(gsis("CREATING"))
    for idx in created["LocalSecondaryIndexes"] + created["GlobalSecondaryIndexes"]:
        assert "Backfilling" not in idx  # indexes created with the table never backfill

    deadline = time.monotonic() + 10
    while True:
        desc = u.call(port, "DescribeTable", {"TableName": table_name}).json()["Table"]
        if desc["TableStatus"] == "ACTIVE" or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert desc["TableStatus"] == "ACTIVE"
    assert desc["TableArn"] == arn
    assert _sorted_nka(desc["LocalSecondaryIndexes"]) == _sorted_nka(lsis)
    assert _sorted_nka(desc["GlobalSecondaryIndexes"]) == _sorted_nka(gsis("ACTIVE"))
    assert desc["AttributeDefinitions"] == req["AttributeDefinitions"]


def test_index_arn_is_the_table_arn_plus_index(ddb, table_name):
    req = _table_request(table_name, _defs(("pk", "S"), ("sk", "S"), ("g", "S")),
                         lsis=[_lsi("loc", "g")], gsis=[_gsi("glob", "g")])
    _create(ddb, req)
    desc = ddb.describe_table(TableName=table_name)["Table"]
    assert re.fullmatch(ARN_RE + re.escape(table_name), desc["TableArn"])
    for idx in _index_descs(desc).values():
        assert idx["IndexArn"] == desc["TableArn"] + "/index/" + idx["IndexName"]


def test_provisioned_table_gsi_throughput(ddb, table_name):
    req = _table_request(table_name, _defs(("pk", "S"), ("sk", "S"), ("g", "S"), ("l", "S")),
                         lsis=[_lsi("loc", "l")],
                         gsis=[_gsi("one", "g", throughput=(3, 4)),
                               _gsi("two", "g", "sk", "KEYS_ONLY", throughput=(11, 1))],
                         billing="PROVISIONED")
    created = ddb.create_table(**req)["TableDescription"]
    by_name = _index_descs(created)
    assert by_name["one"]["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0, "ReadCapacityUnits": 3, "WriteCapacityUnits": 4}
    assert by_name["two"]["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0, "ReadCapacityUnits": 11, "WriteCapacityUnits": 1}
    assert "ProvisionedThroughput" not in by_name["loc"]
    desc = u.wait_active(ddb, table_name)
    by_name = _index_descs(desc)
    assert by_name["one"]["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0, "ReadCapacityUnits": 3, "WriteCapacityUnits": 4}
    assert by_name["one"]["IndexStatus"] == "ACTIVE"
    assert "ProvisionedThroughput" not in by_name["loc"]
    assert "IndexStatus" not in by_name["loc"]


def test_raw_index_description_members(port, table_name):
    req = _table_request(table_name, _defs(("pk", "S"), ("sk", "S"), ("g", "S")),
                         lsis=[_lsi("loc", "g", "INCLUDE", ["a"])],
                         gsis=[_gsi("glob", "g", None, "KEYS_ONLY")])
    r = u.call(port, "CreateTable", req)
    assert r.status == 200, r
    for body in (r.json()["TableDescription"],
                 u.call(port, "DescribeTable", {"TableName": table_name}).json()["Table"]):
        lsi, = body["LocalSecondaryIndexes"]
        gsi, = body["GlobalSecondaryIndexes"]
        assert set(lsi) == {"IndexName", "KeySchema", "Projection", "IndexSizeBytes",
                            "ItemCount", "IndexArn"}
        assert set(gsi) == {"IndexName", "KeySchema", "Projection", "IndexStatus",
                            "ProvisionedThroughput", "IndexSizeBytes", "ItemCount", "IndexArn"}
        assert lsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]}
        assert gsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}


def test_table_without_indexes_has_no_index_members(port, table_name):
    r = u.call(port, "CreateTable", _table_request(table_name, _defs(("pk", "S"), ("sk", "S"))))
    assert r.status == 200, r
    for body in (r.json()["TableDescription"],
                 u.call(port, "DescribeTable", {"TableName": table_name}).json()["Table"]):
        assert "LocalSecondaryIndexes" not in body
        assert "GlobalSecondaryIndexes" not in body


def test_hash_only_table_with_gsis(ddb, table_name):
    req = _table_request(table_name, _defs(("pk", "S"), ("g", "N")), range_key=None,
                         gsis=[_gsi("by_g", "g", "pk", "KEYS_ONLY")])
    _create(ddb, req)
    ddb.put_item(TableName=table_name, Item={"pk": S("a"), "g": N(1), "v": S("x")})
    ddb.put_item(TableName=table_name, Item={"pk": S("b"), "g": N(1)})
    ddb.put_item(TableName=table_name, Item={"pk": S("c")})
    resp = ddb.query(TableName=table_name, IndexName="by_g", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": N(1)})
    assert resp["Items"] == [{"pk": S("a"), "g": N(1)}, {"pk": S("b"), "g": N(1)}]


def test_limits_of_five_lsis_and_twenty_gsis_are_accepted(ddb, table_name):
    defs = _defs(("pk", "S"), ("sk", "S")) + _defs(*[(f"a{i}", "S") for i in range(5)])
    lsis = [_lsi(f"lsi{i}", f"a{i}", "KEYS_ONLY") for i in range(5)]
    gsis = [_gsi(f"gsi{i:02d}", f"a{i % 5}", None if i % 2 else "sk", "KEYS_ONLY")
            for i in range(20)]
    _create(ddb, _table_request(table_name, defs, lsis=lsis, gsis=gsis))
    desc = ddb.describe_table(TableName=table_name)["Table"]
    assert len(desc["LocalSecondaryIndexes"]) == 5
    assert len(desc["GlobalSecondaryIndexes"]) == 20
    ddb.put_item(TableName=table_name, Item={"pk": S("p"), "sk": S("s"), "a3": S("v")})
    stats = _index_stats(ddb, table_name)
    assert stats["lsi3"][0] == 1 and stats["lsi2"][0] == 0
    # a3 keys lsi3 and gsi03/08/13/18 (hash key a3; range key none or sk).
    assert sorted(n for n, (c, _) in stats.items() if c) == ["gsi03", "gsi08", "gsi13",
                                                             "gsi18", "lsi3"]


# =============================================================================================
# CreateTable validation
# =============================================================================================

BASE_DEFS = _defs(("pk", "S"), ("sk", "S"), ("l", "S"), ("g", "S"))


def _bad(**kw):
    """A CreateTable request (TableName filled in later) from _table_request keywords."""
    kw.setdefault("defs", BASE_DEFS)
    defs = kw.pop("defs")
    return lambda name: _table_request(name, defs, **kw)


def _six(name):
    return _table_request(name, _defs(("pk", "S"), ("sk", "S"), ("l", "S")),
                          lsis=[_lsi(f"lsi{i}", "l") for i in range(6)])


def _twenty_one(name):
    return _table_request(name, _defs(("pk", "S"), ("sk", "S"), ("g", "S")),
                          gsis=[_gsi(f"gsi{i}", "g") for i in range(21)])


VALIDATION_CASES = [
    ("lsi_on_hash_only_table",
     _bad(defs=_defs(("pk", "S"), ("l", "S")), range_key=None, lsis=[_lsi("loc", "l")]),
     PREFIX + "Table KeySchema does not have a range key, which is required when specifying a "
              "LocalSecondaryIndex"),
    ("lsi_key_not_defined",
     _bad(defs=_defs(("sk", "S"), ("pk", "S"), ("l", "S")),
          lsis=[_lsi("fine", "l"), _lsi("loc", "zz")]),
     PREFIX + "Some index key attributes are not defined in AttributeDefinitions. "
              "Keys: [pk, zz], AttributeDefinitions: [sk, pk, l]"),
    ("gsi_keys_not_defined",
     _bad(gsis=[_gsi("glob", "zz", "yy")]),
     PREFIX + "Some index key attributes are not defined in AttributeDefinitions. "
              "Keys: [zz, yy], AttributeDefinitions: [pk, sk, l, g]"),
    ("gsi_range_not_defined",
     _bad(lsis=[_lsi("loc", "l")], gsis=[_gsi("glob", "g", "yy")]),
     PREFIX + "Some index key attributes are not defined in AttributeDefinitions. "
              "Keys: [g, yy], AttributeDefinitions: [pk, sk, l, g]"),
    ("lsi_other_hash_key",
     _bad(lsis=[_lsi("loc", "l", hash_key="g")], defs=_defs(("pk", "S"), ("sk", "S"),
                                                          ("l", "S"), ("g", "S"))),
     PREFIX + "Index KeySchema does not have the same leading hash key as table KeySchema for "
              "index: loc. index hash key: g, table hash key: pk"),
    ("lsi_one_key",
     _bad(defs=_defs(("pk", "S"), ("sk", "S")),
          lsis=[{"IndexName": "loc", "KeySchema": _schema("pk"),
                 "Projection": _projection("ALL")}]),
     PREFIX + "Index KeySchema does not have a range key for index: loc"),
    ("lsi_keys_only_with_non_key_attributes",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("l", "S")),
          lsis=[_lsi("loc", "l", "KEYS_ONLY", ["a"])]),
     PREFIX + "ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified"),
    ("gsi_all_with_non_key_attributes",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("g", "S")),
          gsis=[_gsi("glob", "g", None, "ALL", ["a"])]),
     PREFIX + "ProjectionType is ALL, but NonKeyAttributes is specified"),
    ("gsi_keys_only_with_non_key_attributes",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("g", "S")),
          gsis=[_gsi("glob", "g", None, "KEYS_ONLY", ["a", "b"])]),
     PREFIX + "ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified"),
    ("lsi_all_with_non_key_attributes",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("l", "S")),
          lsis=[_lsi("loc", "l", "ALL", ["a"])]),
     PREFIX + "ProjectionType is ALL, but NonKeyAttributes is specified"),
    ("gsi_include_without_non_key_attributes",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("g", "S")),
          gsis=[_gsi("glob", "g", None, "INCLUDE")]),
     PREFIX + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"),
    ("lsi_include_without_non_key_attributes",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("l", "S")),
          lsis=[_lsi("loc", "l", "INCLUDE")]),
     PREFIX + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"),
    ("duplicate_gsi_names",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("g", "S")),
          gsis=[_gsi("same", "g"), _gsi("same", "g", "sk")]),
     PREFIX + "Duplicate index name: same"),
    ("duplicate_lsi_names",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("l", "S")),
          lsis=[_lsi("same", "l"), _lsi("same", "l", "KEYS_ONLY")]),
     PREFIX + "Duplicate index name: same"),
    ("lsi_and_gsi_share_a_name",
     _bad(lsis=[_lsi("same", "l")], gsis=[_gsi("same", "g")]),
     PREFIX + "Duplicate index name: same"),
    ("six_lsis", _six, PREFIX + "Number of LocalSecondaryIndexes exceeds per-table limit of 5"),
    ("twenty_one_gsis", _twenty_one,
     PREFIX + "GlobalSecondaryIndex count exceeds the per-table limit of 20"),
    ("gsi_throughput_on_pay_per_request",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("g", "S")),
          gsis=[_gsi("fine", "g"), _gsi("glob", "g", throughput=(1, 1))]),
     PREFIX + "ProvisionedThroughput should not be specified for index: glob when BillingMode "
              "is PAY_PER_REQUEST"),
    ("gsi_without_throughput_on_provisioned",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("g", "S")), billing="PROVISIONED",
          gsis=[_gsi("fine", "g", throughput=(1, 1)), _gsi("glob", "g", "sk")]),
     PREFIX + "ProvisionedThroughput must be specified for index: glob"),
    ("unused_attribute_definition",
     _bad(defs=_defs(("g", "S"), ("pk", "S"), ("sk", "S"), ("zz", "S")),
          gsis=[_gsi("glob", "g")]),
     PREFIX + "Some AttributeDefinitions are not used. AttributeDefinitions: [g, pk, sk, zz], "
              "keys used: [g, pk, sk]"),
    ("unused_attribute_definition_with_lsi",
     _bad(defs=_defs(("l", "S"), ("m", "N"), ("pk", "S"), ("sk", "S")),
          lsis=[_lsi("loc", "l")]),
     PREFIX + "Some AttributeDefinitions are not used. AttributeDefinitions: [l, m, pk, sk], "
              "keys used: [l, pk, sk]"),
    ("empty_lsi_list",
     _bad(defs=_defs(("pk", "S"), ("sk", "S")), lsis=[]),
     PREFIX + "List of LocalSecondaryIndexes is empty"),
    ("empty_gsi_list",
     _bad(defs=_defs(("pk", "S"), ("sk", "S")), gsis=[]),
     PREFIX + "List of GlobalSecondaryIndexes is empty"),
    ("gsi_hash_and_range_same_name",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("g", "S")), gsis=[_gsi("glob", "g", "g")]),
     "Both the Hash Key and the Range Key element in the KeySchema have the same name"),
    ("lsi_hash_and_range_same_name",
     _bad(defs=_defs(("pk", "S"), ("sk", "S")), lsis=[_lsi("loc", "pk")]),
     "Both the Hash Key and the Range Key element in the KeySchema have the same name"),
    ("gsi_first_key_not_hash",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("g", "S")),
          gsis=[{"IndexName": "glob",
                 "KeySchema": [{"AttributeName": "g", "KeyType": "RANGE"},
                               {"AttributeName": "sk", "KeyType": "HASH"}],
                 "Projection": _projection("ALL")}]),
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    ("lsi_first_key_not_hash",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("l", "S")),
          lsis=[{"IndexName": "loc",
                 "KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"},
                               {"AttributeName": "l", "KeyType": "HASH"}],
                 "Projection": _projection("ALL")}]),
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    ("gsi_name_too_short",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("g", "S")), gsis=[_gsi("ab", "g")]),
     "1 validation error detected: Value 'ab' at 'globalSecondaryIndexes.1.member.indexName' "
     "failed to satisfy constraint: Member must have length greater than or equal to 3"),
    ("second_gsi_name_too_short",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("g", "S")),
          gsis=[_gsi("fine", "g"), _gsi("xy", "g")]),
     "1 validation error detected: Value 'xy' at 'globalSecondaryIndexes.2.member.indexName' "
     "failed to satisfy constraint: Member must have length greater than or equal to 3"),
    ("bad_projection_type",
     _bad(defs=_defs(("pk", "S"), ("sk", "S"), ("g", "S")), gsis=[_gsi("glob", "g", None,
                                                                       "SOME")]),
     "1 validation error detected: Value 'SOME' at "
     "'globalSecondaryIndexes.1.member.projection.projectionType' failed to satisfy "
     "constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]"),
]


@pytest.mark.parametrize("case, build, message", VALIDATION_CASES,
                         ids=[c[0] for c in VALIDATION_CASES])
def test_create_table_validation(port, table_name, case, build, message):
    r = u.call(port, "CreateTable", build(table_name))
    u.expect_validation(r, message)
    r = u.call(port, "DescribeTable", {"TableName": table_name})
    u.expect_error(r, u.T_NOT_FOUND, f"Requested resource not found: Table: {table_name} not found")


@pytest.mark.parametrize("lsis, gsis", [
    ([_lsi("ab", "l")], None),
    (None, [_gsi("bad name!", "g")]),
    (None, [_gsi("x" * 256, "g")]),
    ([_lsi("loc", "l", "EVERYTHING")], None),
])
def test_create_table_index_constraints_by_type(port, table_name, lsis, gsis):
    # The LSI paths and the name pattern / upper length are not captured: the type only.
    req = _table_request(table_name, BASE_DEFS if lsis and gsis else (
        _defs(("pk", "S"), ("sk", "S"), ("l", "S")) if lsis else
        _defs(("pk", "S"), ("sk", "S"), ("g", "S"))), lsis=lsis, gsis=gsis)
    r = u.call(port, "CreateTable", req)
    assert r.status == 400, r
    assert r.json()["__type"] == u.T_VALIDATION
    r = u.call(port, "DescribeTable", {"TableName": table_name})
    assert r.status == 400 and r.json()["__type"] == u.T_NOT_FOUND


def test_gsi_on_the_table_key_is_allowed(ddb, table_name):
    # Scylla: a GSI identical to the base table's key schema is allowed.
    req = _table_request(table_name, _defs(("pk", "S"), ("sk", "S")),
                         gsis=[_gsi("same_keys", "pk", "sk", "KEYS_ONLY")])
    _create(ddb, req)
    ddb.put_item(TableName=table_name, Item={"pk": S("a"), "sk": S("b"), "v": S("c")})
    assert _scan_all(ddb, table_name, "same_keys") == [{"pk": S("a"), "sk": S("b")}]


# =============================================================================================
# Writes maintain the indexes
# =============================================================================================


def _item(pk, sk, **attrs):
    out = {"pk": S(pk), "sk": S(sk)}
    for k, v in attrs.items():
        out[k] = v if isinstance(v, dict) else S(v)
    return out


def _k(pk, sk):
    return {"pk": S(pk), "sk": S(sk)}


def test_empty_table_indexes(ddb, wtable):
    table, model = wtable
    model.check(ddb, table)
    assert set(_index_stats(ddb, table).values()) == {(0, 0)}


def test_put_item_adds_moves_updates_and_removes_entries(ddb, wtable):
    table, model = wtable

    def put(item):
        ddb.put_item(TableName=table, Item=item)
        model.put(item)
        model.check(ddb, table)

    # In every index.
    put(_item("p1", "s1", l="l1", m="m1", g="g1", r="r1", x="x1", y="y1", z="z1"))
    # Sparse: only the inverted GSI (keyed by the table keys) and the indexes whose keys exist.
    put(_item("p1", "s2", z="only"))
    put(_item("p2", "s1", g="g1", x="x2"))            # g_inc, not g_keys (no r)
    put(_item("p2", "s2", r="r9", l="l2"))            # not g_keys (no g)
    # Equal index keys on several items.
    put(_item("p3", "s1", g="g1", r="r1", l="l1", m="m1"))
    # Overwrites: a projected attribute changes, a non-projected one changes.
    put(_item("p1", "s1", l="l1", m="m1", g="g1", r="r1", x="X1", y="y1", z="z1"))
    put(_item("p1", "s1", l="l1", m="m1", g="g1", r="r1", x="X1", y="y1", z="zzz"))
    # Index keys move.
    put(_item("p1", "s1", l="l0", m="m1", g="g2", r="r1", x="X1", y="y1", z="zzz"))
    put(_item("p1", "s1", l="l0", m="m2", g="g2", r="r0", x="X1", y="y1", z="zzz"))
    # Index keys disappear.
    put(_item("p1", "s1", m="m2", r="r0", x="X1"))
    put(_item("p1", "s1"))
    # And come back.
    put(_item("p1", "s1", l="back", g="back", r="back", y="Y"))
    # Identical overwrite.
    put(_item("p1", "s1", l="back", g="back", r="back", y="Y"))


def test_update_item_maintains_indexes(ddb, wtable):
    table, model = wtable

    def update(key, expr, values=None, names=None):
        kw = dict(TableName=table, Key=key, UpdateExpression=expr, ReturnValues="ALL_NEW")
        if values:
            kw["ExpressionAttributeValues"] = values
        if names:
            kw["ExpressionAttributeNames"] = names
        new = ddb.update_item(**kw)["Attributes"]
        model.put(new)
        model.check(ddb, table)
        return new

    k = _k("u1", "s1")
    # An update that creates the item, with index keys.
    update(k, "SET g = :g, x = :x", {":g": S("g1"), ":x": S("x1")})
    update(k, "SET r = :r, l = :l", {":r": S("r1"), ":l": S("l1")})
    # Projected and non-projected attributes.
    update(k, "SET x = :x", {":x": S("x2")})
    update(k, "SET y = :y, z = :z", {":y": S("y"), ":z": S("z")})
    update(k, "SET z = :z", {":z": S("zz")})
    update(k, "SET m = :m", {":m": S("m1")})
    # Key moves.
    new = update(k, "SET g = :g, #r = :r", {":g": S("g2"), ":r": S("r2")}, {"#r": "r"})
    assert new["g"] == S("g2")
    update(k, "SET l = :l, m = :m", {":l": S("l2"), ":m": S("m2")})
    # Removal of the index keys and of projected attributes.
    update(k, "REMOVE r")
    update(k, "REMOVE g, x")
    update(k, "REMOVE l, m, y")
    update(k, "SET g = :g", {":g": S("g3")})
    # An update creating an item without any index key.
    update(_k("u2", "s1"), "SET z = :z", {":z": S("z")})
    # SET to the same value.
    update(k, "SET g = :g", {":g": S("g3")})


def test_delete_item_removes_entries(ddb, wtable):
    table, model = wtable
    items = [_item("d1", "s1", l="l", m="m", g="g", r="r", x="x", y="y"),
             _item("d1", "s2", g="g", r="r"),
             _item("d2", "s1", l="l", m="m")]
    for it in items:
        ddb.put_item(TableName=table, Item=it)
        model.put(it)
    model.check(ddb, table)
    old = ddb.delete_item(TableName=table, Key=_k("d1", "s1"), ReturnValues="ALL_OLD")
    assert old["Attributes"] == items[0]
    model.delete(_k("d1", "s1"))
    model.check(ddb, table)
    # Deleting a missing item changes nothing.
    ddb.delete_item(TableName=table, Key=_k("d1", "zz"))
    model.check(ddb, table)
    for key in (_k("d1", "s2"), _k("d2", "s1")):
        ddb.delete_item(TableName=table, Key=key)
        model.delete(key)
        model.check(ddb, table)
    assert set(_index_stats(ddb, table).values()) == {(0, 0)}


def test_failed_conditions_leave_indexes_alone(ddb, wtable):
    table, model = wtable
    it = _item("c1", "s1", l="l", m="m", g="g", r="r", x="x")
    ddb.put_item(TableName=table, Item=it)
    model.put(it)
    model.check(ddb, table)
    cce = ddb.exceptions.ConditionalCheckFailedException
    with pytest.raises(cce):
        ddb.put_item(TableName=table, Item=_item("c1", "s1", g="other"),
                     ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(cce):
        ddb.update_item(TableName=table, Key=_k("c1", "s1"), UpdateExpression="SET g = :g",
                        ConditionExpression="x = :no",
                        ExpressionAttributeValues={":g": S("other"), ":no": S("no")})
    with pytest.raises(cce):
        ddb.delete_item(TableName=table, Key=_k("c1", "s1"), ConditionExpression="x = :no",
                        ExpressionAttributeValues={":no": S("no")})
    model.check(ddb, table)


def test_batch_write_item_maintains_indexes(ddb, wtable):
    table, model = wtable
    first = [_item("b1", f"s{i}", g=f"g{i % 3}", r="r", l=f"l{i}", x=f"x{i}")
             for i in range(10)] + [_item("b2", "s0", m="m")]
    ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": it}} for it in first]})
    for it in first:
        model.put(it)
    model.check(ddb, table)
    # Deletes, overwrites moving keys and new items in one batch.
    requests = [{"DeleteRequest": {"Key": _k("b1", f"s{i}")}} for i in range(0, 10, 3)]
    moved = [_item("b1", f"s{i}", g="moved", x="new") for i in (1, 2)]
    new = [_item("b3", "s0", g="g0", r="r2", m="m3", y="y")]
    requests += [{"PutRequest": {"Item": it}} for it in moved + new]
    ddb.batch_write_item(RequestItems={table: requests})
    for i in range(0, 10, 3):
        model.delete(_k("b1", f"s{i}"))
    for it in moved + new:
        model.put(it)
    model.check(ddb, table)


def test_transact_write_items_maintain_indexes(ddb, wtable):
    table, model = wtable
    base = [_item("t1", "s1", g="g", r="r", l="l", x="x"), _item("t1", "s2", g="g", m="m"),
            _item("t1", "s3", l="l3")]
    for it in base:
        ddb.put_item(TableName=table, Item=it)
        model.put(it)
    model.check(ddb, table)
    put = _item("t2", "s1", g="g2", r="r2", y="y")
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": put}},
        {"Update": {"TableName": table, "Key": _k("t1", "s1"),
                    "UpdateExpression": "SET g = :g, x = :x REMOVE l",
                    "ExpressionAttributeValues": {":g": S("gg"), ":x": S("xx")}}},
        {"Delete": {"TableName": table, "Key": _k("t1", "s2")}},
        {"ConditionCheck": {"TableName": table, "Key": _k("t1", "s3"),
                            "ConditionExpression": "attribute_exists(l)"}},
    ])
    model.put(put)
    model.put(_item("t1", "s1", g="gg", r="r", x="xx"))
    model.delete(_k("t1", "s2"))
    model.check(ddb, table)
    # A cancelled transaction writes no index entry.
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": _item("t3", "s1", g="g", r="r", l="l")}},
            {"Update": {"TableName": table, "Key": _k("t1", "s1"),
                        "UpdateExpression": "SET g = :g", "ConditionExpression": "x = :no",
                        "ExpressionAttributeValues": {":g": S("never"), ":no": S("no")}}},
            {"Delete": {"TableName": table, "Key": _k("t1", "s3")}},
        ])
    model.check(ddb, table)


def test_random_writes_keep_every_index_consistent(ddb, wtable):
    """A seeded mix of every write operation over a few keys, checked against the model."""
    table, model = wtable
    rng = random.Random(20240611)
    keys = [_k(f"p{i % 3}", f"s{i}") for i in range(12)]

    def value(name):
        return S(f"{name}{rng.randrange(4)}")

    def random_item(key):
        item = dict(key)
        for name in ("l", "m", "g", "r", "x", "y", "z"):
            if rng.random() < 0.6:
                item[name] = value(name)
        return item

    for step in range(240):
        key = rng.choice(keys)
        op = rng.randrange(6)
        if op == 0:
            item = random_item(key)
            ddb.put_item(TableName=table, Item=item)
            model.put(item)
        elif op == 1:
            names = rng.sample(["l", "m", "g", "r", "x", "y", "z"], 3)
            sets = [n for n in names[:2]]
            removes = names[2:]
            values = {f":{n}": value(n) for n in sets}
            new = ddb.update_item(TableName=table, Key=key, ReturnValues="ALL_NEW",
                                  UpdateExpression="SET " + ", ".join(f"{n} = :{n}" for n in sets)
                                  + " REMOVE " + ", ".join(removes),
                                  ExpressionAttributeValues=values)["Attributes"]
            model.put(new)
        elif op == 2:
            ddb.delete_item(TableName=table, Key=key)
            model.delete(key)
        elif op == 3:
            chosen = rng.sample(keys, 4)
            requests = []
            for k in chosen:
                if rng.random() < 0.3:
                    requests.append({"DeleteRequest": {"Key": k}})
                    model.delete(k)
                else:
                    item = random_item(k)
                    requests.append({"PutRequest": {"Item": item}})
                    model.put(item)
            ddb.batch_write_item(RequestItems={table: requests})
        elif op == 4:
            chosen = rng.sample(keys, 3)
            actions = []
            for k in chosen:
                if rng.random() < 0.3:
                    actions.append({"Delete": {"TableName": table, "Key": k}})
                    model.delete(k)
                else:
                    item = random_item(k)
                    actions.append({"Put": {"TableName": table, "Item": item}})
                    model.put(item)
            ddb.transact_write_items(TransactItems=actions)
        else:
            # A conditional write that fails half of the time.
            item = random_item(key)
            current = model.get(key)
            want = value("g")
            try:
                ddb.put_item(TableName=table, Item=item, ConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": want})
                model.put(item)
                assert current is not None and current.get("g") == want
            except ddb.exceptions.ConditionalCheckFailedException:
                assert current is None or current.get("g") != want
        if step % 60 == 59:
            model.check(ddb, table)
    model.check(ddb, table)


def test_concurrent_writes_leave_one_entry_per_item(endpoint, ddb, wtable):
    table, model = wtable
    keys = [_k("c", f"s{i}") for i in range(4)]
    errors = []

    def worker(n):
        client = u.make_client(endpoint)
        rng = random.Random(n)
        try:
            for i in range(40):
                key = rng.choice(keys)
                if rng.random() < 0.5:
                    client.put_item(TableName=table, Item=dict(
                        key, g=S(f"g{rng.randrange(3)}"), r=S(f"r{n}"), l=S(f"l{i % 3}"),
                        x=S(f"w{n}")))
                else:
                    client.update_item(
                        TableName=table, Key=key, UpdateExpression="SET g = :g, m = :m",
                        ExpressionAttributeValues={":g": S(f"g{rng.randrange(3)}"),
                                                   ":m": S(f"m{n}")})
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for item in _scan_all_table(ddb, table):
        model.put(item)
    assert len(model.items) == 4
    model.check(ddb, table)


def test_all_projection_index_size_equals_the_table_size(ddb, table_name):
    """An ALL index holding every item has the table's size, whatever the value types."""
    _create(ddb, _table_request(table_name, _defs(("pk", "S"), ("sk", "N"), ("l", "N")),
                                lsis=[_lsi("lsi_all", "l", "ALL")],
                                gsis=[_gsi("gsi_all", "sk", "pk", "ALL")]))
    values = [N("-1.25E-7"), N("123456789012345678901234567890"), {"L": [N(1), S("x")]},
              {"M": {"k": {"NS": ["1", "22.5"]}, "z": {"NULL": True}}}, {"BOOL": False},
              {"BS": [b"\x00", b"\xff\xfe"]}, S("\u00e9\U0001F600")]
    for i, v in enumerate(values):
        ddb.put_item(TableName=table_name, Item={"pk": S(f"p{i % 2}"), "sk": N(i), "l": N(-i),
                                                 "v": v, "w": S("w" * i)})
    ddb.update_item(TableName=table_name, Key={"pk": S("p0"), "sk": N(0)},
                    UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": N("1E+100")})
    desc = ddb.describe_table(TableName=table_name)["Table"]
    stats = _index_stats(ddb, table_name)
    assert desc["ItemCount"] == len(values)
    assert stats == {"lsi_all": (len(values), desc["TableSizeBytes"]),
                     "gsi_all": (len(values), desc["TableSizeBytes"])}


def test_ttl_deletions_remove_index_entries(ddb):
    table = u.unique_name("idxttl")
    _create(ddb, _table_request(table, _defs(("pk", "S"), ("sk", "S"), ("l", "S"), ("g", "S")),
                                lsis=[_lsi("by_l", "l", "KEYS_ONLY")],
                                gsis=[_gsi("by_g", "g", None, "INCLUDE", ["x"])]))
    ddb.update_time_to_live(TableName=table,
                            TimeToLiveSpecification={"AttributeName": "exp", "Enabled": True})
    model = Model(["pk", "sk"], {"by_l": (["pk", "l"], "KEYS_ONLY", []),
                                 "by_g": (["g"], "INCLUDE", ["x"])})
    now = int(time.time())
    keep = _item("p", "keep", l="l1", g="g1", x="x", exp=N(now + 3600))
    gone = [_item("p", "gone1", l="l2", g="g1", x="x", exp=N(now - 100)),
            _item("q", "gone2", g="g2", exp=N(now - 5))]
    for it in [keep] + gone:
        ddb.put_item(TableName=table, Item=it)
    model.put(keep)
    deadline = time.monotonic() + 12
    while True:
        left = [it for it in gone if ddb.get_item(
            TableName=table, Key=_k(it["pk"]["S"], it["sk"]["S"]), ConsistentRead=True
        ).get("Item")]
        if not left:
            break
        assert time.monotonic() < deadline, f"not expired: {left}"
        time.sleep(0.1)
    model.check(ddb, table)  # exp is projected nowhere, so the sizes stay exact


# ---- Index key type errors --------------------------------------------------------------------


def _mismatch(attr, expected, actual, index):
    return (PREFIX + f"Type mismatch for Index Key {attr} Expected: {expected} Actual: {actual} "
            f"IndexName: {index}")


@pytest.fixture
def ktable(ddb):
    name = u.unique_name("idxk")
    _create(ddb, _table_request(
        name, _defs(("pk", "S"), ("sk", "S"), ("l", "N"), ("g", "S"), ("bb", "B")),
        lsis=[_lsi("byl", "l", "KEYS_ONLY")],
        gsis=[_gsi("byg", "g", None, "KEYS_ONLY"), _gsi("byb", "bb", None, "ALL")]))
    return name


MISMATCHES = [
    ({"g": N(1)}, _mismatch("g", "S", "N", "byg")),
    ({"g": {"NULL": True}}, _mismatch("g", "S", "NULL", "byg")),
    ({"g": {"SS": ["a"]}}, _mismatch("g", "S", "SS", "byg")),
    ({"l": S("1")}, _mismatch("l", "N", "S", "byl")),
    ({"l": {"BOOL": True}}, _mismatch("l", "N", "BOOL", "byl")),
    ({"bb": S("x")}, _mismatch("bb", "B", "S", "byb")),
    ({"bb": {"L": []}}, _mismatch("bb", "B", "L", "byb")),
]


def _ktable_empty(ddb, table):
    assert _scan_all_table(ddb, table) == []
    assert set(_index_stats(ddb, table).values()) == {(0, 0)}
    for index in ("byl", "byg", "byb"):
        assert _scan_all(ddb, table, index) == []


@pytest.mark.parametrize("attrs, message", MISMATCHES)
def test_put_item_index_key_type_mismatch(port, ddb, ktable, attrs, message):
    item = u.to_wire_item(dict(_k("p", "s"), **attrs))
    u.expect_validation(u.call(port, "PutItem", {"TableName": ktable, "Item": item}), message)
    _ktable_empty(ddb, ktable)


@pytest.mark.parametrize("attrs, message", MISMATCHES)
def test_update_item_index_key_type_mismatch(port, ddb, ktable, attrs, message):
    (name, value), = attrs.items()
    payload = {"TableName": ktable, "Key": _k("p", "s"), "UpdateExpression": "SET #a = :v",
               "ExpressionAttributeNames": {"#a": name},
               "ExpressionAttributeValues": {":v": u.to_wire(value)}}
    u.expect_validation(u.call(port, "UpdateItem", payload), message)
    _ktable_empty(ddb, ktable)
    # Also on an existing item: it keeps its old value and index entry.
    ddb.put_item(TableName=ktable, Item=dict(_k("p", "s"), g=S("old"), l=N(1), bb=B(b"o")))
    u.expect_validation(u.call(port, "UpdateItem", payload), message)
    item = ddb.get_item(TableName=ktable, Key=_k("p", "s"), ConsistentRead=True)["Item"]
    assert item == dict(_k("p", "s"), g=S("old"), l=N(1), bb=B(b"o"))
    assert {k: c for k, (c, _) in _index_stats(ddb, ktable).items()} == {
        "byl": 1, "byg": 1, "byb": 1}


def test_batch_write_index_key_type_mismatch_writes_nothing(port, ddb, ktable):
    good = u.to_wire_item(dict(_k("p", "good"), g=S("g")))
    bad = u.to_wire_item(dict(_k("p", "bad"), g=N(5)))
    r = u.call(port, "BatchWriteItem", {"RequestItems": {ktable: [
        {"PutRequest": {"Item": good}}, {"PutRequest": {"Item": bad}}]}})
    u.expect_validation(r, _mismatch("g", "S", "N", "byg"))
    _ktable_empty(ddb, ktable)
    # The bad item in one table keeps the other table's items out too.
    other = u.unique_name("idxk2")
    u.create_table(ddb, other)
    r = u.call(port, "BatchWriteItem", {"RequestItems": {
        other: [{"PutRequest": {"Item": {"pk": S("fine")}}}],
        ktable: [{"PutRequest": {"Item": good}}, {"PutRequest": {"Item": bad}}]}})
    u.expect_validation(r, _mismatch("g", "S", "N", "byg"))
    _ktable_empty(ddb, ktable)
    assert _scan_all_table(ddb, other) == []


def test_transact_write_index_key_type_mismatch_writes_nothing(ddb, ktable):
    ddb.put_item(TableName=ktable, Item=dict(_k("p", "bad"), g=S("g")))
    ddb.delete_item(TableName=ktable, Key=_k("p", "bad"))
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": ktable, "Item": dict(_k("p", "good"), g=S("g"))}},
            {"Put": {"TableName": ktable, "Item": dict(_k("p", "bad"), l=S("x"))}},
        ])
    assert u.error_of(exc) == ("ValidationException", _mismatch("l", "N", "S", "byl"), 400)
    _ktable_empty(ddb, ktable)
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": ktable, "Item": dict(_k("p", "good"), g=S("g"))}},
            {"Update": {"TableName": ktable, "Key": _k("p", "bad"),
                        "UpdateExpression": "SET g = :n",
                        "ExpressionAttributeValues": {":n": N(1)}}},
        ])
    assert u.error_of(exc) == ("ValidationException", _mismatch("g", "S", "N", "byg"), 400)
    _ktable_empty(ddb, ktable)


@pytest.mark.parametrize("attrs", [{"g": S("")}, {"bb": B(b"")}])
def test_empty_index_key_value_is_rejected(ddb, ktable, attrs):
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=ktable, Item=dict(_k("p", "s"), **attrs))
    assert u.error_of(exc)[0] == "ValidationException"
    (name, value), = attrs.items()
    with pytest.raises(ClientError) as exc:
        ddb.update_item(TableName=ktable, Key=_k("p", "s"), UpdateExpression="SET #a = :v",
                        ExpressionAttributeNames={"#a": name},
                        ExpressionAttributeValues={":v": value})
    assert u.error_of(exc)[0] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(RequestItems={ktable: [
            {"PutRequest": {"Item": dict(_k("p", "t"), g=S("fine"))}},
            {"PutRequest": {"Item": dict(_k("p", "s"), **attrs)}}]})
    assert u.error_of(exc)[0] == "ValidationException"
    _ktable_empty(ddb, ktable)


def test_empty_string_outside_index_keys_is_fine(ddb, ktable):
    # An empty string in a non-key attribute is stored and projected normally.
    ddb.put_item(TableName=ktable, Item=dict(_k("p", "s"), bb=B(b"k"), v=S("")))
    assert _scan_all(ddb, ktable, "byb") == [dict(_k("p", "s"), bb=B(b"k"), v=S(""))]


# =============================================================================================
# Query on an index
# =============================================================================================

# pk, sk, n, s, g  (None: attribute absent)
ROWS = [
    ("p", "01", "-10", "a", "G"),
    ("p", "02", "-1.5", "aa", "G"),
    ("p", "03", "0", "ab", "G"),
    ("p", "04", "2", "b", "G"),
    ("p", "05", "10", "ba", "G"),
    ("p", "06", "100", "c", "G"),
    ("p", "07", None, "d", "G"),
    ("p", "08", "5", None, "H"),
    ("p", "09", "7", "e", None),
    ("q", "01", "3", "ab", "G"),
    ("q", "02", "3", "ab", "G"),
]

Q_INDEXES = {
    "lsi_n": (["pk", "n"], "KEYS_ONLY", []),
    "lsi_s": (["pk", "s"], "INCLUDE", ["a"]),
    "g_n": (["g", "n"], "INCLUDE", ["a"]),
    "g_s": (["g", "s"], "ALL", []),
    "g_h": (["g"], "KEYS_ONLY", []),
}


def _row_item(row):
    pk, sk, n, s, g = row
    item = {"pk": S(pk), "sk": S(sk), "a": S(f"A{pk}{sk}"), "b": S(f"B{pk}{sk}")}
    if n is not None:
        item["n"] = N(n)
    if s is not None:
        item["s"] = S(s)
    if g is not None:
        item["g"] = S(g)
    return item


@pytest.fixture(scope="module")
def qtable(ddb):
    name = u.unique_name("idxq")
    _create(ddb, _table_request(
        name, _defs(("pk", "S"), ("sk", "S"), ("n", "N"), ("s", "S"), ("g", "S")),
        lsis=[_lsi("lsi_n", "n", "KEYS_ONLY"), _lsi("lsi_s", "s", "INCLUDE", ["a"])],
        gsis=[_gsi("g_n", "g", "n", "INCLUDE", ["a"]), _gsi("g_s", "g", "s", "ALL"),
              _gsi("g_h", "g", None, "KEYS_ONLY")]))
    model = Model(["pk", "sk"], Q_INDEXES)
    for row in ROWS:
        item = _row_item(row)
        ddb.put_item(TableName=name, Item=item)
        model.put(item)
    return name, model


def _q(ddb, table, index, kce, values, **kw):
    return ddb.query(TableName=table, IndexName=index, KeyConditionExpression=kce,
                     ExpressionAttributeValues=values, **kw)


def _tkeys(items):
    return sorted((it["pk"]["S"], it["sk"]["S"]) for it in items)


QUERY_CASES = [
    # index, key condition, values, attribute, expected values in order
    ("g_n", "g = :h", {":h": S("G")}, "n", ["-10", "-1.5", "0", "2", "3", "3", "10", "100"]),
    ("g_n", "g = :h AND n = :v", {":h": S("G"), ":v": N(3)}, "n", ["3", "3"]),
    ("g_n", "g = :h AND n < :v", {":h": S("G"), ":v": N(2)}, "n", ["-10", "-1.5", "0"]),
    ("g_n", "g = :h AND n <= :v", {":h": S("G"), ":v": N(2)}, "n", ["-10", "-1.5", "0", "2"]),
    ("g_n", "g = :h AND n > :v", {":h": S("G"), ":v": N(3)}, "n", ["10", "100"]),
    ("g_n", "g = :h AND n >= :v", {":h": S("G"), ":v": N("3.0")}, "n", ["3", "3", "10", "100"]),
    ("g_n", "g = :h AND n BETWEEN :lo AND :hi", {":h": S("G"), ":lo": N("-1.5"), ":hi": N(3)},
     "n", ["-1.5", "0", "2", "3", "3"]),
    ("g_n", "g = :h", {":h": S("H")}, "n", ["5"]),
    ("g_n", "g = :h", {":h": S("nobody")}, "n", []),
    ("g_s", "g = :h AND begins_with(s, :v)", {":h": S("G"), ":v": S("a")}, "s",
     ["a", "aa", "ab", "ab", "ab"]),
    ("g_s", "g = :h AND s > :v", {":h": S("G"), ":v": S("ab")}, "s", ["b", "ba", "c", "d"]),
    ("g_s", "g = :h AND s BETWEEN :lo AND :hi", {":h": S("G"), ":lo": S("aa"),
                                                   ":hi": S("b")}, "s",
     ["aa", "ab", "ab", "ab", "b"]),
    ("g_s", "g = :h AND s = :v", {":h": S("G"), ":v": S("ab")}, "s", ["ab", "ab", "ab"]),
    ("g_s", "g = :h AND s < :v", {":h": S("G"), ":v": S("ab")}, "s", ["a", "aa"]),
    ("g_s", ":v >= s AND g = :h", {":h": S("G"), ":v": S("ab")}, "s",
     ["a", "aa", "ab", "ab", "ab"]),
    ("lsi_n", "pk = :h", {":h": S("p")}, "n", ["-10", "-1.5", "0", "2", "5", "7", "10", "100"]),
    ("lsi_n", "pk = :h AND n < :v", {":h": S("p"), ":v": N(5)}, "n", ["-10", "-1.5", "0", "2"]),
    ("lsi_n", "pk = :h AND n BETWEEN :lo AND :hi", {":h": S("p"), ":lo": N(5), ":hi": N(10)},
     "n", ["5", "7", "10"]),
    ("lsi_n", "pk = :h AND n = :v", {":h": S("p"), ":v": N(7)}, "n", ["7"]),
    ("lsi_n", "pk = :h AND n >= :v", {":h": S("q"), ":v": N(3)}, "n", ["3", "3"]),
    ("lsi_n", "pk = :h AND n > :v", {":h": S("p"), ":v": N(10)}, "n", ["100"]),
    ("lsi_n", "pk = :h AND n <= :v", {":h": S("p"), ":v": N(-10)}, "n", ["-10"]),
    ("lsi_s", "pk = :h", {":h": S("p")}, "s", ["a", "aa", "ab", "b", "ba", "c", "d", "e"]),
    ("lsi_s", "pk = :h AND begins_with(s, :v)", {":h": S("p"), ":v": S("b")}, "s", ["b", "ba"]),
    ("lsi_s", "pk = :h AND s <= :v", {":h": S("p"), ":v": S("ab")}, "s", ["a", "aa", "ab"]),
]


@pytest.mark.parametrize("index, kce, values, attr, expected", QUERY_CASES)
def test_query_key_conditions(ddb, qtable, index, kce, values, attr, expected):
    table, model = qtable
    resp = _q(ddb, table, index, kce, values)
    assert [it[attr]["S" if attr == "s" else "N"] for it in resp["Items"]] == expected
    assert resp["Count"] == resp["ScannedCount"] == len(expected)
    # Every returned item is the index's projection of a table item.
    for it in resp["Items"]:
        assert it == model.project(model.get(it), index)
    # Backwards.
    resp = _q(ddb, table, index, kce, values, ScanIndexForward=False)
    assert [it[attr]["S" if attr == "s" else "N"] for it in resp["Items"]] == expected[::-1]
    # Names through placeholders.
    names = {"#h": "g" if index.startswith("g_") else "pk", "#r": attr}
    kce2 = kce.replace("pk =", "#h =").replace("g =", "#h =")
    kce2 = kce2.replace(f"({attr},", "(#r,").replace(f"{attr} ", "#r ").replace(f" {attr}",
                                                                                " #r")
    names = {k: v for k, v in names.items() if k in kce2}
    resp = _q(ddb, table, index, kce2, values, ExpressionAttributeNames=names)
    assert [it[attr]["S" if attr == "s" else "N"] for it in resp["Items"]] == expected


def test_query_equal_index_keys_returns_them_all(ddb, qtable):
    table, model = qtable
    resp = _q(ddb, table, "g_h", "g = :g", {":g": S("G")})
    expected = model.entries("g_h")
    expected = [e for e in expected if e["g"] == S("G")]
    assert _sorted(resp["Items"]) == _sorted(expected)
    assert len(resp["Items"]) == 9
    resp = _q(ddb, table, "g_s", "g = :g AND s = :s", {":g": S("G"), ":s": S("ab")})
    assert _tkeys(resp["Items"]) == [("p", "03"), ("q", "01"), ("q", "02")]


@pytest.mark.parametrize("index, names", [
    ("g_h", {"pk", "sk", "g"}),
    ("g_n", {"pk", "sk", "g", "n", "a"}),
    ("g_s", {"pk", "sk", "g", "n", "s", "a", "b"}),
    ("lsi_n", {"pk", "sk", "n"}),
    ("lsi_s", {"pk", "sk", "s", "a"}),
])
def test_query_default_returns_the_projected_attributes(ddb, qtable, index, names):
    table, model = qtable
    hk = Q_INDEXES[index][0][0]
    value = S("G") if hk == "g" else S("p")
    resp = _q(ddb, table, index, f"{hk} = :h", {":h": value})
    assert resp["Items"]
    for it in resp["Items"]:
        full = model.get(it)
        assert it == {k: v for k, v in full.items() if k in names}
    # ALL_PROJECTED_ATTRIBUTES, spelled out, is the same.
    again = _q(ddb, table, index, f"{hk} = :h", {":h": value}, Select="ALL_PROJECTED_ATTRIBUTES")
    assert again["Items"] == resp["Items"]


def test_query_projection_expression(ddb, qtable):
    table, model = qtable
    # GSI: a non-projected attribute is simply absent.
    resp = _q(ddb, table, "g_n", "g = :g", {":g": S("G")}, ProjectionExpression="sk, a, b")
    assert resp["Items"] and all(set(it) == {"sk", "a"} for it in resp["Items"])
    resp = _q(ddb, table, "g_h", "g = :g", {":g": S("H")}, ProjectionExpression="n, pk")
    assert resp["Items"] == [{"pk": S("p")}]
    resp = _q(ddb, table, "g_s", "g = :g AND s = :s", {":g": S("G"), ":s": S("ba")},
              ProjectionExpression="b, #n", ExpressionAttributeNames={"#n": "n"},
              Select="SPECIFIC_ATTRIBUTES")
    assert resp["Items"] == [{"b": S("Bp05"), "n": N(10)}]
    # LSI: a non-projected attribute is fetched from the table.
    resp = _q(ddb, table, "lsi_n", "pk = :p AND n > :v", {":p": S("p"), ":v": N(5)},
              ProjectionExpression="b, n, s")
    assert resp["Items"] == [{"b": S("Bp09"), "n": N(7), "s": S("e")},
                             {"b": S("Bp05"), "n": N(10), "s": S("ba")},
                             {"b": S("Bp06"), "n": N(100), "s": S("c")}]
    resp = _q(ddb, table, "lsi_s", "pk = :p AND s = :s", {":p": S("p"), ":s": S("b")},
              ProjectionExpression="a")
    assert resp["Items"] == [{"a": S("Ap04")}]


def test_query_lsi_all_attributes_and_consistent_read(ddb, qtable):
    table, model = qtable
    for kw in ({"Select": "ALL_ATTRIBUTES"}, {"Select": "ALL_ATTRIBUTES", "ConsistentRead": True}):
        resp = _q(ddb, table, "lsi_n", "pk = :p AND n >= :v", {":p": S("p"), ":v": N(5)}, **kw)
        assert resp["Items"] == [model.get(_k("p", sk)) for sk in ("08", "09", "05", "06")]
    resp = _q(ddb, table, "lsi_s", "pk = :p", {":p": S("q")}, ConsistentRead=True)
    assert _sorted(resp["Items"]) == _sorted(
        [model.project(model.get(_k("q", sk)), "lsi_s") for sk in ("01", "02")])
    # ALL_ATTRIBUTES on a GSI whose projection is ALL.
    resp = _q(ddb, table, "g_s", "g = :g AND s >= :s", {":g": S("G"), ":s": S("c")},
              Select="ALL_ATTRIBUTES")
    assert resp["Items"] == [model.get(_k("p", "06")), model.get(_k("p", "07"))]


def test_query_filter_and_count(ddb, qtable):
    table, model = qtable
    resp = _q(ddb, table, "g_n", "g = :g", {":g": S("G"), ":a": S("Aq")},
              FilterExpression="begins_with(a, :a)")
    assert _tkeys(resp["Items"]) == [("q", "01"), ("q", "02")]
    assert (resp["Count"], resp["ScannedCount"]) == (2, 8)
    resp = _q(ddb, table, "g_n", "g = :g", {":g": S("G"), ":a": S("Aq")},
              FilterExpression="begins_with(a, :a)", Select="COUNT")
    assert "Items" not in resp
    assert (resp["Count"], resp["ScannedCount"]) == (2, 8)
    resp = _q(ddb, table, "lsi_n", "pk = :p", {":p": S("p")}, Select="COUNT")
    assert "Items" not in resp
    assert (resp["Count"], resp["ScannedCount"]) == (8, 8)
    # A filter on a GSI attribute that is not projected matches nothing there.
    resp = _q(ddb, table, "g_n", "g = :g", {":g": S("G")},
              FilterExpression="attribute_exists(b)")
    assert (resp["Count"], resp["ScannedCount"]) == (0, 8)
    resp = _q(ddb, table, "g_s", "g = :g", {":g": S("G"), ":z": N(0)},
              FilterExpression="attribute_exists(b) AND n > :z")
    assert (resp["Count"], resp["ScannedCount"]) == (5, 9)


INDEX_KEYS = {"g_n": {"g", "n"}, "g_s": {"g", "s"}, "g_h": {"g"}, "lsi_n": {"pk", "n"},
              "lsi_s": {"pk", "s"}}


@pytest.mark.parametrize("index, kce, values", [
    ("g_n", "g = :h", {":h": S("G")}),
    ("g_s", "g = :h AND s >= :v", {":h": S("G"), ":v": S("aa")}),
    ("g_h", "g = :h", {":h": S("G")}),
    ("lsi_n", "pk = :h", {":h": S("p")}),
    ("lsi_s", "pk = :h AND s < :v", {":h": S("p"), ":v": S("e")}),
])
@pytest.mark.parametrize("forward", [True, False])
def test_query_pagination(ddb, qtable, index, kce, values, forward):
    table, _ = qtable
    full = _q(ddb, table, index, kce, values, ScanIndexForward=forward)
    assert "LastEvaluatedKey" not in full
    assert len(full["Items"]) >= 4
    for limit in (1, 2, 3):
        items, pages = _query_pages(ddb, table, index, kce, values, limit=limit,
                                    ScanIndexForward=forward)
        assert _tkeys(items) == _tkeys(full["Items"])
        assert len(items) == len(full["Items"])  # every entry once
        # The sort order holds across pages.
        rk = [k for k in INDEX_KEYS[index] if k not in ("g", "pk")]
        if rk:
            assert [it[rk[0]] for it in items] == [it[rk[0]] for it in full["Items"]]
        for page in pages:
            assert len(page["Items"]) <= limit
            if "LastEvaluatedKey" in page:
                lek = page["LastEvaluatedKey"]
                assert len(page["Items"]) == limit
                assert set(lek) == INDEX_KEYS[index] | {"pk", "sk"}
                last = page["Items"][-1]
                assert lek == {k: last[k] for k in lek}
    # Select COUNT pages the same way.
    resp = _q(ddb, table, index, kce, values, Select="COUNT", Limit=2)
    assert (resp["Count"], resp["ScannedCount"]) == (2, 2)
    assert set(resp["LastEvaluatedKey"]) == INDEX_KEYS[index] | {"pk", "sk"}


@pytest.mark.parametrize("index, kce, values, kw", [
    ("g_n", "g = :h", {":h": S("G")}, {"ProjectionExpression": "a"}),
    ("g_s", "g = :h", {":h": S("G")}, {"ProjectionExpression": "b"}),
    ("g_h", "g = :h", {":h": S("G")}, {"Select": "COUNT"}),
    ("lsi_n", "pk = :h", {":h": S("p")}, {"ProjectionExpression": "b"}),
    ("lsi_n", "pk = :h", {":h": S("p")}, {"Select": "ALL_ATTRIBUTES"}),
    ("lsi_s", "pk = :h", {":h": S("p")}, {"Select": "COUNT"}),
    ("g_n", "g = :h", {":h": S("G"), ":none": S("none")}, {"FilterExpression": "a = :none"}),
])
def test_last_evaluated_key_does_not_depend_on_what_is_returned(ddb, qtable, index, kce, values,
                                                                kw):
    """The key comes from the last entry read, whatever the projection, Select or filter."""
    table, model = qtable
    plain = {k: v for k, v in values.items() if k != ":none"}
    full_count = len(_q(ddb, table, index, kce, plain)["Items"])
    seen, start, pages = 0, None, 0
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        page = _q(ddb, table, index, kce, values, Limit=3, **kw, **extra)
        pages += 1
        start = page.get("LastEvaluatedKey")
        seen += page["ScannedCount"]
        if not start:
            break
        assert page["ScannedCount"] == 3
        assert set(start) == INDEX_KEYS[index] | {"pk", "sk"}
        entry = model.project(model.get(start), index)
        assert entry is not None and {k: entry[k] for k in start} == start
        assert pages < 20
    assert seen == full_count


def test_scan_pagination_with_filter_and_projection(ddb, qtable):
    table, model = qtable
    got, start, scanned = [], None, 0
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        page = ddb.scan(TableName=table, IndexName="g_n", Limit=2, ProjectionExpression="sk",
                        FilterExpression="n < :z", ExpressionAttributeValues={":z": N(1)},
                        **extra)
        got += page["Items"]
        scanned += page["ScannedCount"]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
        assert set(start) == {"g", "n", "pk", "sk"}
    assert sorted(it["sk"]["S"] for it in got) == ["01", "02", "03"]
    assert all(set(it) == {"sk"} for it in got)
    assert scanned == 9


def test_query_pagination_with_filter(ddb, qtable):
    table, _ = qtable
    items, pages = _query_pages(ddb, table, "g_n", "g = :g", {":g": S("G"), ":a": S("Aq")},
                                limit=3, FilterExpression="begins_with(a, :a)")
    assert _tkeys(items) == [("q", "01"), ("q", "02")]
    assert sum(p["ScannedCount"] for p in pages) == 8


def test_query_index_errors(port, qtable):
    table, _ = qtable

    def query(**kw):
        payload = dict(TableName=table, KeyConditionExpression="g = :g",
                       ExpressionAttributeValues={":g": S("G")})
        payload.update(kw)
        return u.call(port, "Query", payload)

    u.expect_validation(query(IndexName="g_n", ConsistentRead=True), CONSISTENT_GSI)
    u.expect_validation(query(IndexName="g_h", ConsistentRead=True), CONSISTENT_GSI)
    for index in ("g_n", "g_h"):
        u.expect_validation(query(IndexName=index, Select="ALL_ATTRIBUTES"),
                            PREFIX + f"Select type ALL_ATTRIBUTES is not supported for global "
                                     f"secondary index {index} because its projection type "
                                     f"is not ALL")
    u.expect_validation(query(IndexName="nope"),
                        "The table does not have the specified index: nope")
    u.expect_validation(query(IndexName="nope", ConsistentRead=True),
                        "The table does not have the specified index: nope")
    # A missing table wins over the index.
    r = u.call(port, "Query", {"TableName": "idx-missing-table", "IndexName": "g_n",
                               "KeyConditionExpression": "g = :g",
                               "ExpressionAttributeValues": {":g": S("G")}})
    u.expect_error(r, u.T_NOT_FOUND, "Requested resource not found")


@pytest.mark.parametrize("index, kce, values", [
    ("g_n", "pk = :v", {":v": S("p")}),                          # the table's hash key
    ("g_n", "n = :v", {":v": N(3)}),                             # the index range key alone
    ("g_n", "g = :h AND sk = :v", {":h": S("G"), ":v": S("01")}),  # the table's range key
    ("g_h", "g = :h AND n = :v", {":h": S("G"), ":v": N(3)}),    # hash-only index
    ("lsi_n", "g = :v", {":v": S("G")}),
    ("lsi_n", "pk = :h AND sk = :v", {":h": S("p"), ":v": S("01")}),
    ("lsi_s", "pk = :h AND n = :v", {":h": S("p"), ":v": N(3)}),
    ("g_n", "g = :h AND n = :v", {":h": S("G"), ":v": S("3")}),  # wrong type for the key
    ("g_n", "g = :h", {":h": N(1)}),
    ("lsi_n", "pk = :h AND n > :v", {":h": S("p"), ":v": S("x")}),
])
def test_query_key_condition_not_on_the_index_keys(port, qtable, index, kce, values):
    table, _ = qtable
    r = u.call(port, "Query", {"TableName": table, "IndexName": index,
                               "KeyConditionExpression": kce,
                               "ExpressionAttributeValues": values})
    assert r.status == 400, r
    assert r.json()["__type"] == u.T_VALIDATION, r


@pytest.mark.parametrize("op, index, start", [
    ("Query", "g_n", {"pk": S("p"), "sk": S("01")}),                   # table keys only
    ("Query", "g_n", {"g": S("G"), "n": N(0)}),                        # index keys only
    ("Query", "lsi_n", {"pk": S("p"), "sk": S("01")}),
    ("Query", "lsi_n", {"pk": S("p"), "n": N(0)}),
    ("Scan", "g_h", {"g": S("G")}),
    ("Scan", "g_s", {"pk": S("p"), "sk": S("01")}),
    ("Scan", "lsi_s", {"pk": S("p"), "sk": S("01"), "s": N(1)}),        # wrong type
])
def test_exclusive_start_key_must_hold_index_and_table_keys(port, qtable, op, index, start):
    table, _ = qtable
    payload = {"TableName": table, "IndexName": index, "ExclusiveStartKey": start}
    if op == "Query":
        hk = Q_INDEXES[index][0][0]
        payload.update(KeyConditionExpression=f"{hk} = :h",
                       ExpressionAttributeValues={":h": S("G") if hk == "g" else S("p")})
    r = u.call(port, op, payload)
    assert r.status == 400, r
    assert r.json()["__type"] == u.T_VALIDATION, r


def test_query_table_index_counts(ddb, qtable):
    table, model = qtable
    model.check(ddb, table, sizes=False)
    stats = _index_stats(ddb, table)
    assert {k: c for k, (c, _) in stats.items()} == {
        "lsi_n": 10, "lsi_s": 10, "g_n": 9, "g_s": 9, "g_h": 10}
    assert all(size > 0 for _, size in stats.values())


def test_query_binary_index_sort_key(ddb, table_name):
    _create(ddb, _table_request(table_name, _defs(("pk", "S"), ("sk", "S"), ("g", "S"),
                                                  ("bk", "B")),
                                gsis=[_gsi("by_bin", "g", "bk", "KEYS_ONLY")],
                                lsis=[_lsi("lsi_bin", "bk", "ALL")]))
    bins = [b"\x00", b"\x01", b"\x01\x02", b"\x7f", b"\x80", b"\xff", b"\xff\x00"]
    for i, b in enumerate(reversed(bins)):
        ddb.put_item(TableName=table_name, Item={"pk": S("p"), "sk": S(f"{i}"), "g": S("G"),
                                                 "bk": B(b)})
    for index, hk in (("by_bin", "g"), ("lsi_bin", "pk")):
        hv = S("G") if hk == "g" else S("p")
        resp = _q(ddb, table_name, index, f"{hk} = :h", {":h": hv})
        assert [bytes(it["bk"]["B"]) for it in resp["Items"]] == bins
        resp = _q(ddb, table_name, index, f"{hk} = :h AND begins_with(bk, :b)",
                  {":h": hv, ":b": B(b"\xff")})
        assert [bytes(it["bk"]["B"]) for it in resp["Items"]] == [b"\xff", b"\xff\x00"]
        resp = _q(ddb, table_name, index, f"{hk} = :h AND bk > :b", {":h": hv, ":b": B(b"\x7f")},
                  ScanIndexForward=False)
        assert [bytes(it["bk"]["B"]) for it in resp["Items"]] == [b"\xff\x00", b"\xff",
                                                                   b"\x80"]


NUMBERS = ["1E+125", "-1E-130", "9.9999999999999999999999999999999999999E+125",
           "-9.9999999999999999999999999999999999999E+125", "0", "1E-130", "-1",
           "12345678901234567890123456789012345678", "0.1", "-0.1", "99", "100"]
STRINGS = ["a", "z", "Z", "\u00e9", "\uffff", "\U0001F600", "\u0100", "a\u0000", "aa"]


def test_index_sort_orders(ddb, table_name):
    """Numbers by value over the whole range, strings by UTF-8 bytes (not UTF-16 units)."""
    _create(ddb, _table_request(table_name, _defs(("pk", "S"), ("sk", "S"), ("g", "S"),
                                                  ("n", "N"), ("s", "S")),
                                gsis=[_gsi("g_num", "g", "n", "KEYS_ONLY"),
                                      _gsi("g_str", "g", "s", "KEYS_ONLY")],
                                lsis=[_lsi("l_num", "n", "KEYS_ONLY"),
                                      _lsi("l_str", "s", "KEYS_ONLY")]))
    for i, n in enumerate(NUMBERS):
        ddb.put_item(TableName=table_name, Item={"pk": S("p"), "sk": S(f"n{i:02d}"),
                                                 "g": S("G"), "n": N(n)})
    for i, x in enumerate(STRINGS):
        ddb.put_item(TableName=table_name, Item={"pk": S("p"), "sk": S(f"s{i:02d}"),
                                                 "g": S("G"), "s": S(x)})
    want_n = sorted(NUMBERS, key=decimal.Decimal)
    want_s = sorted(STRINGS, key=lambda x: x.encode("utf-8"))
    for index, hk, attr in (("g_num", "g", "n"), ("l_num", "pk", "n"), ("g_str", "g", "s"),
                            ("l_str", "pk", "s")):
        hv = S("G") if hk == "g" else S("p")
        items, _ = _query_pages(ddb, table_name, index, f"{hk} = :h", {":h": hv}, limit=4)
        if attr == "n":
            got = [decimal.Decimal(it["n"]["N"]) for it in items]
            assert got == [decimal.Decimal(x) for x in want_n], index
        else:
            assert [it["s"]["S"] for it in items] == want_s, index
    resp = _q(ddb, table_name, "g_num", "g = :h AND n BETWEEN :lo AND :hi",
              {":h": S("G"), ":lo": N("-1E-130"), ":hi": N("0.1")})
    assert [decimal.Decimal(it["n"]["N"]) for it in resp["Items"]] == [
        decimal.Decimal(x) for x in ("-1E-130", "0", "1E-130", "0.1")]


def test_index_key_with_a_dotted_name(ddb, table_name):
    _create(ddb, _table_request(table_name, _defs(("pk", "S"), ("a.b", "S")), range_key=None,
                                gsis=[_gsi("dotted", "a.b", "pk", "INCLUDE", ["c.d"])]))
    ddb.put_item(TableName=table_name, Item={"pk": S("1"), "a.b": S("x"), "c.d": S("y"),
                                             "a": {"M": {"b": S("nested")}}})
    ddb.put_item(TableName=table_name, Item={"pk": S("2"), "a": {"M": {"b": S("x")}}})
    resp = _q(ddb, table_name, "dotted", "#k = :v", {":v": S("x")},
              ExpressionAttributeNames={"#k": "a.b"})
    assert resp["Items"] == [{"pk": S("1"), "a.b": S("x"), "c.d": S("y")}]
    assert _index_stats(ddb, table_name)["dotted"][0] == 1


def test_query_missing_table_with_index(port):
    r = u.call(port, "Query", {"TableName": "idx-no-such-table", "IndexName": "g_n",
                               "KeyConditionExpression": "g = :g",
                               "ExpressionAttributeValues": {":g": S("G")}})
    assert r.status == 400 and r.json()["__type"] == u.T_NOT_FOUND, r


# =============================================================================================
# Scan on an index
# =============================================================================================


@pytest.mark.parametrize("index", sorted(Q_INDEXES))
def test_scan_index_returns_the_projected_entries(ddb, qtable, index):
    table, model = qtable
    resp = ddb.scan(TableName=table, IndexName=index)
    assert "LastEvaluatedKey" not in resp
    assert _sorted(resp["Items"]) == _sorted(model.entries(index))
    assert resp["Count"] == resp["ScannedCount"] == len(model.entries(index))
    for limit in (1, 4):
        got, start, pages = [], None, 0
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            page = ddb.scan(TableName=table, IndexName=index, Limit=limit, **extra)
            pages += 1
            assert len(page["Items"]) <= limit
            got += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
            assert set(start) == INDEX_KEYS[index] | {"pk", "sk"}
            assert start == {k: page["Items"][-1][k] for k in start}
            assert pages < 100
        assert _sorted(got) == _sorted(model.entries(index))
        assert len(got) == len(model.entries(index))


@pytest.mark.parametrize("index", sorted(Q_INDEXES))
@pytest.mark.parametrize("total", [1, 2, 3, 7])
def test_parallel_scan_of_an_index(ddb, qtable, index, total):
    table, model = qtable
    for limit in (None, 2):
        got = []
        for segment in range(total):
            kw = {"Segment": segment, "TotalSegments": total}
            if limit:
                kw["Limit"] = limit
            got += _scan_all(ddb, table, index, **kw)
        assert _sorted(got) == _sorted(model.entries(index))


def test_scan_index_options_and_errors(port, ddb, qtable):
    table, model = qtable
    resp = ddb.scan(TableName=table, IndexName="g_n", Select="COUNT",
                    FilterExpression="n > :z", ExpressionAttributeValues={":z": N(0)})
    assert "Items" not in resp
    assert (resp["Count"], resp["ScannedCount"]) == (6, 9)
    resp = ddb.scan(TableName=table, IndexName="lsi_n", ProjectionExpression="b, n",
                    FilterExpression="n = :v", ExpressionAttributeValues={":v": N(7)})
    assert resp["Items"] == [{"b": S("Bp09"), "n": N(7)}]
    resp = ddb.scan(TableName=table, IndexName="lsi_s", ConsistentRead=True)
    assert len(resp["Items"]) == len(model.entries("lsi_s"))
    resp = ddb.scan(TableName=table, IndexName="lsi_s", Select="ALL_ATTRIBUTES")
    assert _sorted(resp["Items"]) == _sorted(
        [it for it in model.items.values() if "s" in it])
    resp = ddb.scan(TableName=table, IndexName="g_s", Select="ALL_ATTRIBUTES")
    assert _sorted(resp["Items"]) == _sorted(model.entries("g_s"))

    u.expect_validation(u.call(port, "Scan", {"TableName": table, "IndexName": "g_h",
                                              "ConsistentRead": True}), CONSISTENT_GSI)
    u.expect_validation(u.call(port, "Scan", {"TableName": table, "IndexName": "g_n",
                                              "Select": "ALL_ATTRIBUTES"}),
                        PREFIX + "Select type ALL_ATTRIBUTES is not supported for global "
                                 "secondary index g_n because its projection type is not ALL")
    u.expect_validation(u.call(port, "Scan", {"TableName": table, "IndexName": "zzz"}),
                        "The table does not have the specified index: zzz")
    r = u.call(port, "Scan", {"TableName": "idx-no-such-table", "IndexName": "g_n"})
    assert r.status == 400 and r.json()["__type"] == u.T_NOT_FOUND, r


# =============================================================================================
# DeleteTable + CreateTable, restarts
# =============================================================================================


def test_recreated_table_starts_with_empty_indexes(ddb, table_name):
    req = _w_request(table_name)
    _create(ddb, req)
    for i in range(5):
        ddb.put_item(TableName=table_name,
                     Item=_item("p", f"s{i}", l="l", m="m", g="g", r="r", x="x"))
    assert all(c == 5 for c, _ in _index_stats(ddb, table_name).values())
    ddb.delete_table(TableName=table_name)
    u.wait_gone(ddb, table_name)
    _create(ddb, req)
    model = Model(["pk", "sk"], W_INDEXES)
    model.check(ddb, table_name)
    assert set(_index_stats(ddb, table_name).values()) == {(0, 0)}
    resp = _q(ddb, table_name, "g_inc", "g = :g", {":g": S("g")})
    assert resp["Items"] == [] and resp["Count"] == 0
    it = _item("p", "s9", g="g", l="l")
    ddb.put_item(TableName=table_name, Item=it)
    model.put(it)
    model.check(ddb, table_name)

    # Re-created with other indexes: the old ones are gone, a reused name holds no old entry.
    ddb.delete_table(TableName=table_name)
    u.wait_gone(ddb, table_name)
    _create(ddb, _table_request(table_name, _defs(("pk", "S"), ("sk", "S"), ("g", "S")),
                                gsis=[_gsi("lsi_inc", "g", None, "KEYS_ONLY")]))
    assert _scan_all(ddb, table_name, "lsi_inc") == []
    with pytest.raises(ClientError) as exc:
        _q(ddb, table_name, "g_inc", "g = :g", {":g": S("g")})
    assert u.error_of(exc) == ("ValidationException",
                               "The table does not have the specified index: g_inc", 400)


@pytest.mark.parametrize("how", ["sigterm", "kill9"])
def test_indexes_survive_a_restart(server_factory, tmp_path, how):
    data = tmp_path / "data"
    srv = server_factory(data_dir=data)
    client = u.make_client(srv.endpoint)
    _create(client, _w_request("idx_restart"))
    model = Model(["pk", "sk"], W_INDEXES)
    items = [_item("p", f"s{i}", l=f"l{i}", g=f"g{i % 2}", r="r", x="x", y=f"y{i}")
             for i in range(6)] + [_item("q", "s0", m="m", z="z")]
    for it in items:
        client.put_item(TableName="idx_restart", Item=it)
        model.put(it)
    client.delete_item(TableName="idx_restart", Key=_k("p", "s5"))
    model.delete(_k("p", "s5"))
    client.update_item(TableName="idx_restart", Key=_k("p", "s4"), UpdateExpression="SET g = :g",
                       ExpressionAttributeValues={":g": S("moved")})
    model.put(dict(model.get(_k("p", "s4")), g=S("moved")))
    model.check(client, "idx_restart")
    before = client.describe_table(TableName="idx_restart")["Table"]
    # A table dropped and re-created before the restart comes back with empty indexes.
    _create(client, _w_request("idx_gone"))
    client.put_item(TableName="idx_gone", Item=_item("p", "s", g="g", l="l", m="m", r="r"))
    client.delete_table(TableName="idx_gone")
    u.wait_gone(client, "idx_gone")
    _create(client, _w_request("idx_gone"))
    if how == "sigterm":
        assert srv.stop() == 0
    else:
        srv.kill9()

    srv2 = server_factory(data_dir=data)
    client = u.make_client(srv2.endpoint)
    assert _scan_all(client, "idx_gone", "g_inc") == []
    assert set(_index_stats(client, "idx_gone").values()) == {(0, 0)}
    after = client.describe_table(TableName="idx_restart")["Table"]
    assert _sorted_nka(after["LocalSecondaryIndexes"]) == _sorted_nka(
        before["LocalSecondaryIndexes"])
    assert _sorted_nka(after["GlobalSecondaryIndexes"]) == _sorted_nka(
        before["GlobalSecondaryIndexes"])
    model.check(client, "idx_restart")
    resp = _q(client, "idx_restart", "g_inc", "g = :g", {":g": S("g0")})
    assert _tkeys(resp["Items"]) == [("p", "s0"), ("p", "s2")]
    resp = _q(client, "idx_restart", "lsi_inc", "pk = :p AND l > :l", {":p": S("p"),
                                                                        ":l": S("l2")})
    assert [it["l"] for it in resp["Items"]] == [S("l3"), S("l4")]
    # Still maintained after the restart.
    client.put_item(TableName="idx_restart", Item=_item("p", "s0", g="g9", x="new"))
    model.put(_item("p", "s0", g="g9", x="new"))
    client.delete_item(TableName="idx_restart", Key=_k("p", "s1"))
    model.delete(_k("p", "s1"))
    model.check(client, "idx_restart")
