"""Data plane round trips: PutItem, GetItem, DeleteItem through boto3's client and resource APIs
and raw HTTP, with every attribute type, nesting, sets, binary, unicode and DynamoDB's number
canonical form (checked against dynalite's putItem test "should put really long numbers").
"""

import json
from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary

import ddbx_util as u


ALL_TYPES = {
    "s": {"S": "hello"},
    "n": {"N": "-56.789"},
    "b": {"B": b"\x00\x01\xfe\xff"},
    "t": {"BOOL": True},
    "f": {"BOOL": False},
    "z": {"NULL": True},
    "ss": {"SS": ["a", "b", "c"]},
    "ns": {"NS": ["1", "-2.5", "300"]},
    "bs": {"BS": [b"\x01", b"\x02\x03", b"\xff"]},
    "l": {"L": [{"S": "a"}, {"N": "1"}, {"B": b"\x07"}, {"BOOL": True}, {"NULL": True},
                {"SS": ["x"]}, {"NS": ["2"]}, {"BS": [b"\x08"]}, {"L": []}, {"M": {}},
                {"L": [{"L": [{"S": "deep"}]}]}]},
    "m": {"M": {"a": {"S": "a"}, "b": {"N": "2"}, "c": {"B": b"\x09"}, "d": {"BOOL": False},
                "e": {"NULL": True}, "f": {"SS": ["y"]}, "g": {"NS": ["3"]},
                "h": {"BS": [b"\x0a"]}, "i": {"L": [{"M": {"j": {"S": "k"}}}]},
                "j": {"M": {"a": {"M": {}}, "b": {"L": []}}}}},
}


def test_round_trip_every_type(ddb, hash_table):
    item = dict(ALL_TYPES, pk={"S": "all-types"})
    assert ddb.put_item(TableName=hash_table, Item=item)["ResponseMetadata"][
        "HTTPStatusCode"] == 200
    got = ddb.get_item(TableName=hash_table, Key={"pk": {"S": "all-types"}})["Item"]
    assert u.normalize_item(got) == u.normalize_item(item)
    got = ddb.get_item(TableName=hash_table, Key={"pk": {"S": "all-types"}},
                       ConsistentRead=True)["Item"]
    assert u.normalize_item(got) == u.normalize_item(item)


def test_put_and_get_raw_bodies(port, hash_table):
    item = {"pk": {"S": "raw"}, "v": {"N": "1"}}
    r = u.call(port, "PutItem", {"TableName": hash_table, "Item": item})
    assert (r.status, r.json()) == (200, {})
    r = u.call(port, "GetItem", {"TableName": hash_table, "Key": {"pk": {"S": "raw"}}})
    assert (r.status, r.json()) == (200, {"Item": item})
    r = u.call(port, "GetItem", {"TableName": hash_table, "Key": {"pk": {"S": "nope"}}})
    assert (r.status, r.json()) == (200, {})
    r = u.call(port, "DeleteItem", {"TableName": hash_table, "Key": {"pk": {"S": "raw"}}})
    assert (r.status, r.json()) == (200, {})
    r = u.call(port, "DeleteItem", {"TableName": hash_table, "Key": {"pk": {"S": "raw"}}})
    assert (r.status, r.json()) == (200, {})


def test_get_missing_item(ddb, hash_table):
    resp = ddb.get_item(TableName=hash_table, Key={"pk": {"S": "never-written"}})
    assert "Item" not in resp


def test_put_replaces_the_whole_item(ddb, hash_table):
    key = {"pk": {"S": "k"}}
    ddb.put_item(TableName=hash_table, Item=dict(key, a={"S": "1"}, b={"N": "2"}))
    ddb.put_item(TableName=hash_table, Item=dict(key, c={"BOOL": True}))
    assert ddb.get_item(TableName=hash_table, Key=key)["Item"] == dict(key, c={"BOOL": True})


def test_put_return_values_all_old(ddb, hash_table):
    key = {"pk": {"S": "k"}}
    first = dict(key, v={"S": "first"}, ns={"NS": ["1", "2"]})
    resp = ddb.put_item(TableName=hash_table, Item=first, ReturnValues="ALL_OLD")
    assert "Attributes" not in resp
    resp = ddb.put_item(TableName=hash_table, Item=dict(key, v={"S": "second"}),
                        ReturnValues="ALL_OLD")
    assert u.normalize_item(resp["Attributes"]) == u.normalize_item(first)
    resp = ddb.put_item(TableName=hash_table, Item=dict(key, v={"S": "third"}),
                        ReturnValues="NONE")
    assert "Attributes" not in resp
    assert ddb.get_item(TableName=hash_table, Key=key)["Item"]["v"] == {"S": "third"}


def test_delete_item(ddb, hash_table):
    key = {"pk": {"S": "del"}}
    item = dict(key, v={"L": [{"S": "x"}]})
    ddb.put_item(TableName=hash_table, Item=item)
    resp = ddb.delete_item(TableName=hash_table, Key=key)
    assert "Attributes" not in resp
    assert "Item" not in ddb.get_item(TableName=hash_table, Key=key)
    # Deleting what is not there succeeds too.
    resp = ddb.delete_item(TableName=hash_table, Key=key)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Attributes" not in resp


def test_delete_item_return_values_all_old(ddb, hash_table):
    key = {"pk": {"S": "del-old"}}
    item = dict(key, v={"M": {"a": {"N": "1"}}}, b={"B": b"\x00"})
    ddb.put_item(TableName=hash_table, Item=item)
    resp = ddb.delete_item(TableName=hash_table, Key=key, ReturnValues="ALL_OLD")
    assert resp["Attributes"] == item
    resp = ddb.delete_item(TableName=hash_table, Key=key, ReturnValues="ALL_OLD")
    assert "Attributes" not in resp
    resp = ddb.delete_item(TableName=hash_table, Key=key, ReturnValues="NONE")
    assert "Attributes" not in resp


def test_composite_keys_are_distinct(ddb, range_table):
    for sk in ("a", "b", "A", "a "):
        ddb.put_item(TableName=range_table,
                     Item={"pk": {"S": "p"}, "sk": {"S": sk}, "v": {"S": "v" + sk}})
    ddb.put_item(TableName=range_table, Item={"pk": {"S": "q"}, "sk": {"S": "a"}})
    for sk in ("a", "b", "A", "a "):
        got = ddb.get_item(TableName=range_table, Key={"pk": {"S": "p"}, "sk": {"S": sk}})
        assert got["Item"]["v"] == {"S": "v" + sk}
    ddb.delete_item(TableName=range_table, Key={"pk": {"S": "p"}, "sk": {"S": "a"}})
    assert "Item" not in ddb.get_item(TableName=range_table,
                                      Key={"pk": {"S": "p"}, "sk": {"S": "a"}})
    assert "Item" in ddb.get_item(TableName=range_table,
                                  Key={"pk": {"S": "p"}, "sk": {"S": "b"}})
    assert "Item" in ddb.get_item(TableName=range_table,
                                  Key={"pk": {"S": "q"}, "sk": {"S": "a"}})


def test_number_keys_compare_by_value(ddb, num_range_table):
    """1.50, 1.5 and 15E-1 are one number, so one key; the stored key is canonical."""
    ddb.put_item(TableName=num_range_table,
                 Item={"pk": {"S": "p"}, "sk": {"N": "1.50"}, "v": {"S": "first"}})
    for spelling in ("1.5", "15E-1", "0001.5000", "0.15e1"):
        got = ddb.get_item(TableName=num_range_table,
                           Key={"pk": {"S": "p"}, "sk": {"N": spelling}})["Item"]
        assert got == {"pk": {"S": "p"}, "sk": {"N": "1.5"}, "v": {"S": "first"}}
    old = ddb.put_item(TableName=num_range_table,
                       Item={"pk": {"S": "p"}, "sk": {"N": "15e-1"}, "v": {"S": "second"}},
                       ReturnValues="ALL_OLD")["Attributes"]
    assert old["v"] == {"S": "first"}
    for n in ("-1", "0", "1e3", "-0.001"):
        ddb.put_item(TableName=num_range_table, Item={"pk": {"S": "p"}, "sk": {"N": n}})
    got = ddb.get_item(TableName=num_range_table, Key={"pk": {"S": "p"}, "sk": {"N": "1000"}})
    assert got["Item"]["sk"] == {"N": "1000"}
    got = ddb.get_item(TableName=num_range_table, Key={"pk": {"S": "p"}, "sk": {"N": "-1E-3"}})
    assert got["Item"]["sk"] == {"N": "-0.001"}


def test_binary_keys(ddb, bin_range_table):
    keys = [(b"\x00", b"\x00"), (b"\x00", b"\x00\x00"), (b"\xff" * 3, b"\x01"),
            (bytes(range(256)), b"\x7f")]
    for i, (pk, sk) in enumerate(keys):
        ddb.put_item(TableName=bin_range_table,
                     Item={"pk": {"B": pk}, "sk": {"B": sk}, "i": {"N": str(i)}})
    for i, (pk, sk) in enumerate(keys):
        got = ddb.get_item(TableName=bin_range_table, Key={"pk": {"B": pk}, "sk": {"B": sk}})
        assert got["Item"] == {"pk": {"B": pk}, "sk": {"B": sk}, "i": {"N": str(i)}}


def test_binary_values_round_trip_raw(port, hash_table):
    data = bytes(range(256))
    item = {"pk": {"S": "bin"}, "b": {"B": u.b64(data)}, "bs": {"BS": [u.b64(b"\x00"),
                                                                       u.b64(data)]}}
    assert u.call(port, "PutItem", {"TableName": hash_table, "Item": item}).status == 200
    got = u.call(port, "GetItem", {"TableName": hash_table, "Key": {"pk": {"S": "bin"}}})
    got = got.json()["Item"]
    assert got["b"] == {"B": u.b64(data)}
    assert sorted(got["bs"]["BS"]) == sorted(item["bs"]["BS"])


UNICODE_STRINGS = ["héllo wörld", "日本語のテキスト", "😀🎉👍🏽", "\u0301combining", "Ωμέγα",
                   "tab\tnewline\nquote\"backslash\\slash/", "\u2028\u2029", "\x01\x1f\x7f",
                   "עברית", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"]


def test_unicode_values_names_and_keys(ddb, hash_table):
    for i, s in enumerate(UNICODE_STRINGS):
        key = {"pk": {"S": f"{s}-{i}"}}
        item = dict(key, **{"attr-" + s: {"S": s}, "ss": {"SS": [s, s + "x"]},
                            "m": {"M": {s: {"S": s}}}})
        ddb.put_item(TableName=hash_table, Item=item)
        got = ddb.get_item(TableName=hash_table, Key=key)["Item"]
        assert u.normalize_item(got) == u.normalize_item(item)


def test_json_escapes_decode_to_the_same_string(port, hash_table):
    # \u escapes, a surrogate pair and raw UTF-8 name the same key.
    body = (b'{"TableName":"' + hash_table.encode() + b'","Item":{"pk":{"S":"\\u00e9\\ud83d\\ude00'
            b'"},"v":{"S":"\\"\\\\\\/\\b\\f\\n\\r\\t"}}}')
    assert u.call(port, "PutItem", body).status == 200
    r = u.call(port, "GetItem", {"TableName": hash_table, "Key": {"pk": {"S": "é😀"}}})
    assert r.status == 200
    assert r.json()["Item"] == {"pk": {"S": "é😀"}, "v": {"S": "\"\\/\b\f\n\r\t"}}


def test_empty_strings_and_binaries_outside_keys(ddb, hash_table):
    # Allowed for non-key attributes since 2020 (dynalite putItem "should put empty values").
    key = {"pk": {"S": "empty"}}
    item = dict(key, s={"S": ""}, b={"B": b""}, m={"M": {"e": {"S": ""}}},
                l={"L": [{"S": ""}, {"B": b""}]})
    ddb.put_item(TableName=hash_table, Item=item)
    assert u.normalize_item(ddb.get_item(TableName=hash_table, Key=key)["Item"]) == u.normalize_item(item)


@pytest.mark.parametrize("value", [{"SS": [""]}, {"SS": ["", "a"]}, {"BS": [b""]}],
                         ids=["SS-empty", "SS-empty-and-a", "BS-empty"])
def test_empty_members_in_sets(ddb, hash_table, value):
    # Sets may hold the empty string / empty binary too: AWS What's New, 2020-05-18, "Amazon
    # DynamoDB now supports empty values for non-key String and Binary attributes": "List, Map,
    # and Set data types also support empty String and Binary values" (also dynalite putItem
    # "should put empty values").
    key = {"pk": {"S": "emptyset"}}
    ddb.put_item(TableName=hash_table, Item=dict(key, v=value))
    got = ddb.get_item(TableName=hash_table, Key=key)["Item"]
    assert u.normalize(got["v"]) == u.normalize(value)


NUMBER_FORMS = [
    ("1.500", "1.5"),
    ("0001", "1"),
    ("1e2", "100"),
    ("1E+2", "100"),
    ("1.5e1", "15"),
    ("-1.5E-3", "-0.0015"),
    ("0.0", "0"),
    ("123.4500", "123.45"),
    ("-7", "-7"),
    ("1e50", "1" + "0" * 50),
    # From dynalite's "should put really long numbers", checked against DynamoDB.
    ("0000012345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ("-00001.23456789012345678901234567890123456780000",
     "-1.2345678901234567890123456789012345678"),
    ("0009.99999999999999999999999999999999999990000e125", "9" * 38 + "0" * 88),
    ("-0009.99999999999999999999999999999999999990000e125", "-" + "9" * 38 + "0" * 88),
    ("0001.000e-130", "0." + "0" * 129 + "1"),
    ("-0001.000e-130", "-0." + "0" * 129 + "1"),
]


@pytest.mark.parametrize("given, canonical", NUMBER_FORMS)
def test_number_canonical_form(ddb, hash_table, given, canonical):
    key = {"pk": {"S": "num"}}
    ddb.put_item(TableName=hash_table,
                 Item=dict(key, n={"N": given}, ns={"NS": [given, "42"]},
                           l={"L": [{"N": given}]}, m={"M": {"n": {"N": given}}}))
    got = ddb.get_item(TableName=hash_table, Key=key)["Item"]
    assert got["n"] == {"N": canonical}
    assert sorted(got["ns"]["NS"]) == sorted([canonical, "42"])
    assert got["l"] == {"L": [{"N": canonical}]}
    assert got["m"] == {"M": {"n": {"N": canonical}}}


def test_numbers_keep_38_digits_with_decimal(ddb_resource, hash_table):
    table = ddb_resource.Table(hash_table)
    values = [Decimal("1.2345678901234567890123456789012345678"),
              Decimal("12345678901234567890123456789012345678"),
              Decimal("-0.00000000000000000000000000000000000012345678901234567890123456789"
                      "012345678"),
              Decimal("1E-130"), Decimal("0.1"), Decimal("100"), Decimal("-1E+37")]
    # (9.99...E+125 comes back as a 126-digit integer, which boto3's 38-digit context refuses
    # to read; test_number_canonical_form covers it through the client API.)
    table.put_item(Item={"pk": "dec", "vals": values, "set": set(values)})
    got = table.get_item(Key={"pk": "dec"})["Item"]
    assert got["vals"] == values  # Decimal equality is exact
    assert got["set"] == set(values)


def test_resource_api_round_trip(ddb_resource, hash_table):
    table = ddb_resource.Table(hash_table)
    item = {
        "pk": "res",
        "str": "text",
        "num": Decimal("3.14"),
        "int": 42,
        "bin": Binary(b"\x00\xffdata"),
        "yes": True,
        "no": False,
        "nothing": None,
        "strs": {"a", "b"},
        "nums": {Decimal("1"), Decimal("2.5")},
        "bins": {Binary(b"x"), Binary(b"y")},
        "list": ["a", Decimal("1"), [True, None], {"k": "v"}],
        "map": {"nested": {"deeper": {"n": Decimal("-1")}}, "empty": {}, "l": []},
    }
    table.put_item(Item=item)
    got = table.get_item(Key={"pk": "res"}, ConsistentRead=True)["Item"]
    assert got == item
    old = table.put_item(Item={"pk": "res", "v": 2}, ReturnValues="ALL_OLD")["Attributes"]
    assert old == item
    old = table.delete_item(Key={"pk": "res"}, ReturnValues="ALL_OLD")["Attributes"]
    assert old == {"pk": "res", "v": 2}
    assert "Item" not in table.get_item(Key={"pk": "res"})


def test_resource_api_composite_key(ddb_resource, num_range_table):
    table = ddb_resource.Table(num_range_table)
    for sk in range(5):
        table.put_item(Item={"pk": "p", "sk": sk, "sq": sk * sk})
    for sk in range(5):
        assert table.get_item(Key={"pk": "p", "sk": sk})["Item"]["sq"] == sk * sk


def test_many_attributes_and_deep_nesting(ddb, hash_table):
    key = {"pk": {"S": "wide"}}
    item = dict(key, **{f"attr{i:03d}": {"N": str(i)} for i in range(300)})
    nested = {"S": "bottom"}
    for depth in range(20):  # DynamoDB allows up to 32 levels of nesting
        nested = {"M": {"d": nested}} if depth % 2 else {"L": [nested]}
    item["deep"] = nested
    ddb.put_item(TableName=hash_table, Item=item)
    assert ddb.get_item(TableName=hash_table, Key=key)["Item"] == item


def test_odd_attribute_names(ddb, hash_table):
    key = {"pk": {"S": "names"}}
    names = ["a.b", "#x", ":y", "with space", "[0]", "-", "_", "A" * 255, "ÿ", "x" * 1000]
    item = dict(key, **{n: {"S": n[:10]} for n in names})
    ddb.put_item(TableName=hash_table, Item=item)
    assert ddb.get_item(TableName=hash_table, Key=key)["Item"] == item


def test_item_of_exactly_400kb_round_trips(ddb, hash_table):
    # Size = UTF-8 lengths of names and values: 2 + 2 + 1 + len(big) = 409600 bytes.
    key = {"pk": {"S": "kk"}}
    item = dict(key, b={"S": "x" * (409600 - 5)})
    ddb.put_item(TableName=hash_table, Item=item)
    assert ddb.get_item(TableName=hash_table, Key=key)["Item"] == item


def test_largest_keys_round_trip(ddb, range_table):
    pk, sk = "p" * 2048, "s" * 1024
    key = {"pk": {"S": pk}, "sk": {"S": sk}}
    ddb.put_item(TableName=range_table, Item=dict(key, v={"N": "1"}))
    assert ddb.get_item(TableName=range_table, Key=key)["Item"]["v"] == {"N": "1"}
    # Multi-byte characters count in UTF-8 bytes: 1023 * 2 and 341 * 3 bytes.
    pk2 = {"pk": {"S": "é" * 1023}, "sk": {"S": "€" * 341}}
    ddb.put_item(TableName=range_table, Item=pk2)
    assert ddb.get_item(TableName=range_table, Key=pk2)["Item"] == pk2


def test_items_do_not_leak_between_tables(ddb):
    a, b = u.unique_name("a"), u.unique_name("b")
    u.create_table(ddb, a)
    u.create_table(ddb, b)
    ddb.put_item(TableName=a, Item={"pk": {"S": "same"}, "t": {"S": "a"}})
    ddb.put_item(TableName=b, Item={"pk": {"S": "same"}, "t": {"S": "b"}})
    assert ddb.get_item(TableName=a, Key={"pk": {"S": "same"}})["Item"]["t"] == {"S": "a"}
    assert ddb.get_item(TableName=b, Key={"pk": {"S": "same"}})["Item"]["t"] == {"S": "b"}
    ddb.delete_item(TableName=a, Key={"pk": {"S": "same"}})
    assert "Item" in ddb.get_item(TableName=b, Key={"pk": {"S": "same"}})


def test_response_body_is_compact_json_object(port, hash_table):
    u.call(port, "PutItem", {"TableName": hash_table, "Item": {"pk": {"S": "j"}}})
    r = u.call(port, "GetItem", {"TableName": hash_table, "Key": {"pk": {"S": "j"}}})
    assert json.loads(r.body) == {"Item": {"pk": {"S": "j"}}}
