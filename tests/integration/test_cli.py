"""The AWS CLI (Debian's awscli 2.9) against ddbx: the README's commands, JSON output parsed, and
a service error's exit code (254: the service returned an error) and message."""

import json
import os
import subprocess

import pytest

import ddbx_util as u

AWS = "/usr/bin/aws"


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("aws-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": "AKIDCLI",
        "AWS_SECRET_ACCESS_KEY": "cli-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_PAGER": "",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env


def aws(env, endpoint, *args, check=True):
    cmd = [AWS, "dynamodb", *args, "--endpoint-url", endpoint, "--output", "json"]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, f"{cmd}\nrc={p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def _json(p):
    return json.loads(p.stdout) if p.stdout.strip() else {}


def test_cli_table_and_item_lifecycle(cli_env, endpoint, ddb):
    name = u.unique_name("cli")
    desc = _json(aws(cli_env, endpoint, "create-table", "--table-name", name,
                     "--attribute-definitions", "AttributeName=id,AttributeType=S",
                     "--key-schema", "AttributeName=id,KeyType=HASH",
                     "--billing-mode", "PAY_PER_REQUEST"))["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableStatus"] == "CREATING"
    assert desc["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]

    u.wait_active(ddb, name)  # `aws dynamodb wait` polls every 20 s: too slow here
    table = _json(aws(cli_env, endpoint, "describe-table", "--table-name", name))["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    listed = _json(aws(cli_env, endpoint, "list-tables"))["TableNames"]
    assert name in listed

    item = {"id": {"S": "u1"}, "name": {"S": "Ada"}, "n": {"N": "1.500"},
            "tags": {"SS": ["x", "y"]}, "m": {"M": {"b": {"BOOL": True}}}}
    p = aws(cli_env, endpoint, "put-item", "--table-name", name, "--item", json.dumps(item))
    assert _json(p) == {}

    got = _json(aws(cli_env, endpoint, "get-item", "--table-name", name, "--key",
                    '{"id":{"S":"u1"}}'))["Item"]
    assert got["name"] == {"S": "Ada"}
    assert got["n"] == {"N": "1.5"}
    assert sorted(got["tags"]["SS"]) == ["x", "y"]
    assert got["m"] == {"M": {"b": {"BOOL": True}}}

    old = _json(aws(cli_env, endpoint, "delete-item", "--table-name", name, "--key",
                    '{"id":{"S":"u1"}}', "--return-values", "ALL_OLD"))["Attributes"]
    assert old["name"] == {"S": "Ada"}
    assert _json(aws(cli_env, endpoint, "get-item", "--table-name", name, "--key",
                     '{"id":{"S":"u1"}}')) == {}

    deleted = _json(aws(cli_env, endpoint, "delete-table", "--table-name", name))
    assert deleted["TableDescription"]["TableStatus"] == "DELETING"


def test_cli_binary_values(cli_env, endpoint, ddb):
    name = u.unique_name("clib")
    u.create_table(ddb, name)
    # CLI v2 takes blobs as base64 by default.
    aws(cli_env, endpoint, "put-item", "--table-name", name, "--item",
        json.dumps({"pk": {"S": "b"}, "blob": {"B": u.b64(b"\x00\x01\xff")}}))
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "b"}})["Item"]["blob"] == {
        "B": b"\x00\x01\xff"}
    got = _json(aws(cli_env, endpoint, "get-item", "--table-name", name, "--key",
                    '{"pk":{"S":"b"}}'))["Item"]
    assert got["blob"] == {"B": u.b64(b"\x00\x01\xff")}


def test_cli_error_exit_code_and_message(cli_env, endpoint):
    name = u.unique_name("missing")
    p = aws(cli_env, endpoint, "describe-table", "--table-name", name, check=False)
    assert p.returncode == 254, p
    assert ("An error occurred (ResourceNotFoundException) when calling the DescribeTable "
            f"operation: Requested resource not found: Table: {name} not found") in p.stderr


def test_cli_validation_error(cli_env, endpoint, ddb):
    name = u.unique_name("clie")
    u.create_table(ddb, name)
    p = aws(cli_env, endpoint, "get-item", "--table-name", name, "--key", '{"nope":{"S":"1"}}',
            check=False)
    assert p.returncode == 254, p
    assert ("An error occurred (ValidationException) when calling the GetItem operation: "
            "The provided key element does not match the schema") in p.stderr
