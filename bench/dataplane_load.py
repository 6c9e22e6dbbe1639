#!/usr/bin/python3
"""Loads and checks the data set of bench/dataplane.sh on one DynamoDB-compatible server.

    dataplane_load.py --port 8000 --table dataplane --partitions 100 --per-partition 100 \\
        --item-bytes 200 [--scan-limit N]

The table must exist (hash key pk S, range key sk S) and be ACTIVE. Writes
partitions x per-partition items with BatchWriteItem, 25 per call over one keep-alive
connection, resending UnprocessedItems until none are left. Item i of partition p is

    {"pk":{"S":"p<p, 5 digits>"},"sk":{"S":"s<i, 5 digits>"},"counter":{"N":"0"},
     "payload":{"S":"xxx..."}}

with the payload padding the compact JSON of the item out to exactly --item-bytes bytes.
Then it checks what the benchmark relies on: a Query for partition p00000 returns
per-partition items in one page, and a Scan followed through LastEvaluatedKey returns every
item. Prints one line for the caller to parse:

    LOAD items=N seconds=S payload_bytes=N query_items=N scan_items=N scan_pages=N

Exits 1 with a message on stderr on any answer that is not 200 or any check that fails.
Requests carry the same fake SigV4 Authorization header as the wrk scripts; nothing here
depends on anything but the Python standard library.
"""

import argparse
import http.client
import json
import sys
import time

AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0123456789abcdef" * 4
)
BATCH = 25  # BatchWriteItem's limit of items per call


class Client:
    """One keep-alive HTTP connection to the server; call() returns the decoded 200 answer."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, operation, body):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.conn.request(
            "POST",
            "/",
            body=data,
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "DynamoDB_20120810." + operation,
                "X-Amz-Date": "20240101T000000Z",
                "Authorization": AUTHORIZATION,
            },
        )
        answer = self.conn.getresponse()
        payload = answer.read()
        if answer.status != 200:
            sys.exit(f"dataplane_load.py: {operation} answered {answer.status}: "
                     f"{payload[:500].decode(errors='replace')}")
        return json.loads(payload)


def item_json(pk, sk, payload):
    return {"pk": {"S": pk}, "sk": {"S": sk}, "counter": {"N": "0"}, "payload": {"S": payload}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--table", default="dataplane")
    parser.add_argument("--partitions", type=int, default=100)
    parser.add_argument("--per-partition", type=int, default=100)
    parser.add_argument("--item-bytes", type=int, default=200)
    parser.add_argument("--scan-limit", type=int, default=0, help="Limit of each Scan page")
    args = parser.parse_args()
    if not 1 <= args.partitions <= 100000 or not 1 <= args.per_partition <= 100000:
        sys.exit("dataplane_load.py: partitions and per-partition must be 1 to 100000")

    empty = json.dumps(item_json("p00000", "s00000", ""), separators=(",", ":"))
    payload_bytes = args.item_bytes - len(empty)
    if payload_bytes < 1:
        sys.exit(f"dataplane_load.py: --item-bytes must be at least {len(empty) + 1}")
    payload = "x" * payload_bytes

    client = Client(args.port)
    start = time.monotonic()
    pending = []
    total = args.partitions * args.per_partition

    def flush(requests):
        while requests:
            answer = client.call("BatchWriteItem", {"RequestItems": {args.table: requests}})
            requests = answer.get("UnprocessedItems", {}).get(args.table, [])

    for p in range(args.partitions):
        for i in range(args.per_partition):
            item = item_json(f"p{p:05d}", f"s{i:05d}", payload)
            pending.append({"PutRequest": {"Item": item}})
            if len(pending) == BATCH:
                flush(pending)
                pending = []
    flush(pending)
    seconds = time.monotonic() - start

    answer = client.call("Query", {
        "TableName": args.table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "p00000"}},
    })
    query_items = len(answer.get("Items", []))
    if query_items != args.per_partition or answer.get("Count") != args.per_partition \
            or "LastEvaluatedKey" in answer:
        sys.exit(f"dataplane_load.py: Query for p00000 returned {query_items} items "
                 f"(Count {answer.get('Count')}), want {args.per_partition} in one page")

    scan_items = 0
    scan_pages = 0
    request = {"TableName": args.table}
    if args.scan_limit > 0:
        request["Limit"] = args.scan_limit
    while True:
        answer = client.call("Scan", request)
        scan_pages += 1
        scan_items += len(answer.get("Items", []))
        if "LastEvaluatedKey" not in answer:
            break
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    if scan_items != total:
        sys.exit(f"dataplane_load.py: a full Scan returned {scan_items} items, want {total}")

    print(f"LOAD items={total} seconds={seconds:.2f} payload_bytes={payload_bytes} "
          f"query_items={query_items} scan_items={scan_items} scan_pages={scan_pages}")


if __name__ == "__main__":
    main()
