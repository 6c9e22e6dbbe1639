#!/usr/bin/python3
"""Loads the items of bench/cache.sh into one DynamoDB-compatible server, fast.

    cache_load.py --port 8000 --table T --items 1000000 --per-partition 100 \\
        --item-bytes 200 [--connections 8]

The table must exist (hash key pk S, range key sk S) and be ACTIVE. Writes --items items with
BatchWriteItem, 25 per call, over --connections keep-alive connections at once (one thread
each; batch b goes to connection b mod connections), resending UnprocessedItems until none are
left. Item i is

    {"pk":{"S":"p<i // per-partition, 7 digits>"},"sk":{"S":"s<i % per-partition, 5 digits>"},
     "payload":{"S":"xxx..."}}

with the payload padding the compact JSON of the item out to exactly --item-bytes bytes, so
every item has the same size. Request bodies are built as bytes by string formatting, not with
the json module, so that the loader keeps up with the server. Nothing is read back: the caller
checks what it needs (a read would put entries into a cache that is being measured). Prints one
line for the caller to parse:

    LOAD items=N seconds=S items_per_s=R payload_bytes=N requests=N resent=N

Exits 1 with a message on stderr on any answer that is not 200. Requests carry the same fake
SigV4 Authorization header as the wrk scripts; nothing here depends on anything but the Python
standard library.
"""

import argparse
import http.client
import json
import sys
import threading
import time

AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0123456789abcdef" * 4
)
BATCH = 25  # BatchWriteItem's limit of items per call
HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "DynamoDB_20120810.BatchWriteItem",
    "X-Amz-Date": "20240101T000000Z",
    "Authorization": AUTHORIZATION,
}


def item_json(index, per_partition, payload):
    return ('{"pk":{"S":"p%07d"},"sk":{"S":"s%05d"},"payload":{"S":"%s"}}'
            % (index // per_partition, index % per_partition, payload))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--per-partition", type=int, default=100)
    parser.add_argument("--item-bytes", type=int, default=200)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not 1 <= args.items <= 9_999_999 * args.per_partition:
        sys.exit("cache_load.py: --items must be 1 to 9,999,999 partitions' worth")
    if not 1 <= args.per_partition <= 100_000:
        sys.exit("cache_load.py: --per-partition must be 1 to 100000")
    if not 1 <= args.connections <= 256:
        sys.exit("cache_load.py: --connections must be 1 to 256")

    payload_bytes = args.item_bytes - len(item_json(0, args.per_partition, ""))
    if payload_bytes < 1:
        sys.exit(f"cache_load.py: --item-bytes must be at least "
                 f"{len(item_json(0, args.per_partition, '')) + 1}")
    payload = "x" * payload_bytes
    head = ('{"RequestItems":{"%s":[' % args.table).encode()
    tail = b"]}}"
    batches = (args.items + BATCH - 1) // BATCH
    failure = []
    resent = [0] * args.connections

    def body_of(batch):
        first = batch * BATCH
        last = min(first + BATCH, args.items)
        puts = ",".join('{"PutRequest":{"Item":%s}}' % item_json(i, args.per_partition, payload)
                        for i in range(first, last))
        return head + puts.encode() + tail

    def worker(slot):
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
        try:
            for batch in range(slot, batches, args.connections):
                if failure:
                    return
                body = body_of(batch)
                while body is not None:
                    conn.request("POST", "/", body=body, headers=HEADERS)
                    answer = conn.getresponse()
                    data = answer.read()
                    if answer.status != 200:
                        failure.append(f"BatchWriteItem answered {answer.status}: "
                                       f"{data[:500].decode(errors='replace')}")
                        return
                    body = None
                    if b'"UnprocessedItems":{}' not in data:
                        left = json.loads(data).get("UnprocessedItems", {}).get(args.table)
                        if left:
                            resent[slot] += 1
                            body = json.dumps({"RequestItems": {args.table: left}},
                                              separators=(",", ":")).encode()
        except (OSError, http.client.HTTPException) as error:
            failure.append(f"connection {slot}: {error!r}")
        finally:
            conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - start
    if failure:
        sys.exit(f"cache_load.py: {failure[0]}")
    print(f"LOAD items={args.items} seconds={seconds:.2f} items_per_s={args.items / seconds:.0f} "
          f"payload_bytes={payload_bytes} requests={batches} resent={sum(resent)}")


if __name__ == "__main__":
    main()
