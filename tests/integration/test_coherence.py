"""Cache coherence under concurrency, seen from clients: `ddbx serve --cache-mode coherent` (the
default) promises that every eventually consistent GetItem and Query returns values at least as
new as the last write acknowledged before the read was sent; `--cache-mode dax` keeps DAX's
behaviour, where a cached Query page is served until its TTL whatever is written (item reads
stay write-through in both modes).

run_workload() drives one server from many threads at once, each on its own keep-alive HTTP
connection (raw JSON; auth mode `none` accepts any signature): writers only ever add to a
counter `v` of a few hot items (UpdateItem `ADD v :one` with UPDATED_NEW, and
TransactWriteItems adding to two items of one partition), so every item's value only grows.
After each acknowledged write the writer records a lower bound of the item's value (the value
UpdateItem returned; for a transaction, one more than the bound known before it was sent).
Readers alternate eventually consistent GetItem of a random item and eventually consistent Query
of a random partition; they snapshot the bounds of the items concerned before sending, and count
a violation when an item comes back with a smaller value (an item not yet written, or missing
from a Query page, counts as 0). With only 4 partitions, Query pages are read again and again,
so they are cached, and the server's /metrics must show cache hits for the run to count.

- coherent mode: no violation at all, with both caches hit;
- dax mode: the same check fails for Query (stale pages), never for GetItem;
- one update between two Queries, exactly, in both modes;
- coherent mode from a table's first requests on, while other tables are created and deleted.
"""

import http.client
import json
import random
import threading
import time

import pytest

import ddbx_util as u

PARTITIONS = 4
ITEMS_PER_PARTITION = 4


def _pk(p):
    return f"p{p}"


def _sk(i):
    return f"s{i}"


def _key(p, i):
    return {"pk": {"S": _pk(p)}, "sk": {"S": _sk(i)}}


class _Conn:
    """One keep-alive HTTP connection to ddbx speaking DynamoDB JSON (signed with the dummy
    key: auth mode `none` accepts any well-formed signature)."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def call(self, op, payload):
        body = json.dumps(payload).encode("utf-8")
        # Auth mode `none` still wants a well-formed SigV4 header (any signature passes).
        headers = u.request_headers(self.port, op, body)
        headers["Content-Length"] = str(len(body))
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request("POST", "/", body, headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, json.loads(data.decode("utf-8")) if data else {}
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # Only a keep-alive connection closed by the server before the request was read
                # is retried (once, on a fresh connection); nothing was executed then.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class WorkloadResult:
    def __init__(self):
        self.lock = threading.Lock()
        self.updates = 0
        self.transactions = 0
        self.transactions_cancelled = 0
        self.gets = 0
        self.queries = 0
        self.get_violations = 0
        self.query_violations = 0
        self.get_regressions = 0     # informational: a reader saw an item go back in time
        self.query_regressions = 0
        self.examples = []           # first few violations, for the failure message
        self.errors = []             # unexpected answers and exceptions
        self.metrics = {}

    def summary(self):
        keys = ("updates", "transactions", "transactions_cancelled", "gets", "queries",
                "get_violations", "query_violations", "get_regressions", "query_regressions")
        out = {k: getattr(self, k) for k in keys}
        for m in ("ItemCacheHits", "ItemCacheMisses", "QueryCacheHits", "QueryCacheMisses"):
            out[m] = self.metrics.get(m)
        return out

    def __repr__(self):
        return (f"WorkloadResult({self.summary()}, examples={self.examples[:5]}, "
                f"errors={self.errors[:5]})")


def read_metrics(port):
    """The numeric lines of GET /metrics (Prometheus text) as name -> value."""
    resp = u.http_request(port, "GET", "/metrics")
    assert resp.status == 200, resp
    out = {}
    for line in resp.body.decode("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) == 2:
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return out


def create_workload_table(endpoint):
    name = u.unique_name("coh")
    u.create_table(u.make_client(endpoint), name, range_key=("sk", "S"))
    return name


def run_workload(endpoint, seconds, table=None, writers=8, readers=8, txn_share=0.2,
                 seed=None):
    """Drives `endpoint` for `seconds` with `writers` writer and `readers` reader threads over
    PARTITIONS x ITEMS_PER_PARTITION hot items of `table` (created, keyed pk S / sk S, when
    None). Returns a WorkloadResult with counts of reads, writes and coherence violations, and
    the server's /metrics after the run."""
    port = int(endpoint.rsplit(":", 1)[1])
    if table is None:
        table = create_workload_table(endpoint)
    res = WorkloadResult()
    acked = {}                      # (p, i) -> lower bound of v, from acknowledged writes
    acked_lock = threading.Lock()
    stop = threading.Event()
    start_barrier = threading.Barrier(writers + readers + 1)
    master = random.Random(seed)

    def bounds(keys):
        with acked_lock:
            return {k: acked.get(k, 0) for k in keys}

    def raise_bound(k, v):
        with acked_lock:
            if v > acked.get(k, 0):
                acked[k] = v

    def error(what):
        with res.lock:
            res.errors.append(what)
            if len(res.errors) >= 50:
                stop.set()  # something is wrong already; end the run early

    def writer(rng):
        conn = _Conn(port)
        updates = transactions = cancelled = 0
        try:
            start_barrier.wait()
            while not stop.is_set():
                p = rng.randrange(PARTITIONS)
                if rng.random() < txn_share:
                    i, j = rng.sample(range(ITEMS_PER_PARTITION), 2)
                    before = bounds([(p, i), (p, j)])
                    action = {"TableName": table, "UpdateExpression": "ADD v :one",
                              "ExpressionAttributeValues": {":one": {"N": "1"}}}
                    status, body = conn.call("TransactWriteItems", {"TransactItems": [
                        {"Update": dict(action, Key=_key(p, i))},
                        {"Update": dict(action, Key=_key(p, j))}]})
                    if status == 200:
                        # Each item was >= its bound when the transaction was sent, and it
                        # added 1 to it; values never shrink.
                        raise_bound((p, i), before[(p, i)] + 1)
                        raise_bound((p, j), before[(p, j)] + 1)
                        transactions += 1
                    elif (status == 400 and body.get("__type", "").endswith(
                            "#TransactionCanceledException")):
                        cancelled += 1  # a conflict with another write: nothing was written
                    else:
                        error(("TransactWriteItems", status, body))
                else:
                    i = rng.randrange(ITEMS_PER_PARTITION)
                    status, body = conn.call("UpdateItem", {
                        "TableName": table, "Key": _key(p, i), "UpdateExpression": "ADD v :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                        "ReturnValues": "UPDATED_NEW"})
                    if status == 200:
                        raise_bound((p, i), int(body["Attributes"]["v"]["N"]))
                        updates += 1
                    else:
                        error(("UpdateItem", status, body))
        except Exception as e:  # noqa: BLE001 - reported through res.errors
            error(("writer", repr(e)))
        finally:
            conn.close()
            with res.lock:
                res.updates += updates
                res.transactions += transactions
                res.transactions_cancelled += cancelled

    def reader(rng):
        conn = _Conn(port)
        gets = queries = get_viol = query_viol = get_regr = query_regr = 0
        examples = []
        seen = {}  # what this reader last saw per item (for the informational regressions)
        n = 0
        try:
            start_barrier.wait()
            while not stop.is_set():
                n += 1
                p = rng.randrange(PARTITIONS)
                if n % 2:
                    i = rng.randrange(ITEMS_PER_PARTITION)
                    before = bounds([(p, i)])[(p, i)]
                    status, body = conn.call("GetItem", {"TableName": table, "Key": _key(p, i)})
                    if status != 200:
                        error(("GetItem", status, body))
                        continue
                    gets += 1
                    item = body.get("Item")
                    v = int(item["v"]["N"]) if item else 0
                    if v < before:
                        get_viol += 1
                        if len(examples) < 5:
                            examples.append(("GetItem", _pk(p), _sk(i), "got", v,
                                             "acked before send", before))
                    if v < seen.get((p, i), 0):
                        get_regr += 1
                    seen[(p, i)] = max(v, seen.get((p, i), 0))
                else:
                    keys = [(p, i) for i in range(ITEMS_PER_PARTITION)]
                    before = bounds(keys)
                    status, body = conn.call("Query", {
                        "TableName": table, "KeyConditionExpression": "pk = :p",
                        "ExpressionAttributeValues": {":p": {"S": _pk(p)}}})
                    if status != 200:
                        error(("Query", status, body))
                        continue
                    queries += 1
                    got = {}
                    for item in body.get("Items", []):
                        got[item["sk"]["S"]] = int(item["v"]["N"])
                    if "LastEvaluatedKey" in body:
                        error(("Query paginated", body))
                    stale = [(_sk(i), got.get(_sk(i), 0), before[(p, i)])
                             for i in range(ITEMS_PER_PARTITION)
                             if got.get(_sk(i), 0) < before[(p, i)]]
                    if stale:
                        query_viol += 1
                        if len(examples) < 5:
                            examples.append(("Query", _pk(p), "(sk, got, acked before send)",
                                             stale))
                    for i in range(ITEMS_PER_PARTITION):
                        v = got.get(_sk(i), 0)
                        if v < seen.get((p, i), 0):
                            query_regr += 1
                            break
                    for i in range(ITEMS_PER_PARTITION):
                        v = got.get(_sk(i), 0)
                        seen[(p, i)] = max(v, seen.get((p, i), 0))
        except Exception as e:  # noqa: BLE001 - reported through res.errors
            error(("reader", repr(e)))
        finally:
            conn.close()
            with res.lock:
                res.gets += gets
                res.queries += queries
                res.get_violations += get_viol
                res.query_violations += query_viol
                res.get_regressions += get_regr
                res.query_regressions += query_regr
                res.examples.extend(examples)

    threads = [threading.Thread(target=writer, args=(random.Random(master.random()),),
                                daemon=True) for _ in range(writers)]
    threads += [threading.Thread(target=reader, args=(random.Random(master.random()),),
                                 daemon=True) for _ in range(readers)]
    for t in threads:
        t.start()
    start_barrier.wait()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a workload thread did not finish"
    res.metrics = read_metrics(port)
    return res


def test_coherent_mode_never_stale(server_factory):
    srv = server_factory(threads=2, extra_args=["--cache-mode", "coherent"])
    res = run_workload(srv.endpoint, seconds=6)
    print(f"\ncoherent: {res.summary()}")
    assert not res.errors, res
    assert res.get_violations == 0, res
    assert res.query_violations == 0, res
    # The run means something only if it read a lot, wrote a lot, and hit both caches.
    assert res.queries > 500, res
    assert res.gets > 500, res
    assert res.updates > 500 and res.transactions > 50, res
    assert res.metrics.get("QueryCacheHits", 0) > 0, res
    assert res.metrics.get("ItemCacheHits", 0) > 0, res


def test_dax_mode_serves_stale_queries(server_factory):
    srv = server_factory(threads=2, extra_args=["--cache-mode", "dax"])
    res = run_workload(srv.endpoint, seconds=4)
    print(f"\ndax: {res.summary()}")
    assert not res.errors, res
    # The check can fail: DAX's rule serves Query pages until their TTL, so they go stale...
    assert res.query_violations > 0, res
    assert res.metrics.get("QueryCacheHits", 0) > 0, res
    # ...while item reads stay write-through.
    assert res.get_violations == 0, res
    assert res.metrics.get("ItemCacheHits", 0) > 0, res
    assert res.queries > 300 and res.gets > 300, res


@pytest.mark.parametrize("mode", ["coherent", "dax"])
def test_query_after_update(server_factory, mode):
    """Query a partition (cached), update one of its items, Query again: coherent mode answers
    the new value; dax mode answers the cached page, with the old value. GetItem sees the new
    value in both modes."""
    srv = server_factory(threads=2, extra_args=["--cache-mode", mode])
    ddb = u.make_client(srv.endpoint)
    table = u.unique_name("coh")
    u.create_table(ddb, table, range_key=("sk", "S"))
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": _sk(i)},
                                            "v": {"N": "1"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "b"}, "sk": {"S": "s0"}, "v": {"N": "1"}})

    def query(pk):
        items = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": {"S": pk}})["Items"]
        return [(it["sk"]["S"], it["v"]["N"]) for it in items]

    def get(sk):
        return ddb.get_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": sk}})["Item"]

    old = [("s0", "1"), ("s1", "1"), ("s2", "1")]
    assert query("a") == old
    assert query("b") == [("s0", "1")]
    assert get("s1")["v"] == {"N": "1"}
    before = read_metrics(srv.port)
    assert query("a") == old   # a hit now
    after = read_metrics(srv.port)
    assert after["QueryCacheHits"] == before["QueryCacheHits"] + 1, (before, after)

    ddb.update_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "s1"}},
                    UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"N": "2"}})

    new = [("s0", "1"), ("s1", "2"), ("s2", "1")]
    if mode == "coherent":
        assert query("a") == new
    else:
        assert query("a") == old
    # Item reads are write-through in both modes; the consistent Query bypasses the cache.
    assert get("s1")["v"] == {"N": "2"}
    consistent = ddb.query(TableName=table, KeyConditionExpression="pk = :p", ConsistentRead=True,
                           ExpressionAttributeValues={":p": {"S": "a"}})["Items"]
    assert [(it["sk"]["S"], it["v"]["N"]) for it in consistent] == new
    # Another partition's cached page is untouched by the write, in both modes.
    before = read_metrics(srv.port)
    assert query("b") == [("s0", "1")]
    after = read_metrics(srv.port)
    assert after["QueryCacheHits"] == before["QueryCacheHits"] + 1, (before, after)


def test_coherent_mode_first_writes_while_other_tables_change(server_factory):
    """The promise holds from a table's first requests on, whatever happens to other tables:
    while one thread keeps creating and deleting unrelated tables, each round creates a fresh
    table, sends its first eventually consistent GetItem and Query and its first UpdateItem at
    about the same time, and then, after the update is acknowledged, reads again: GetItem and
    Query must both show the update (they are sent after its acknowledgement)."""
    srv = server_factory(threads=2)
    port = srv.port
    stop = threading.Event()
    churn_errors = []

    def churn():
        conn = _Conn(port)
        n = 0
        try:
            while not stop.is_set():
                name = u.unique_name("other")
                status, body = conn.call("CreateTable", {
                    "TableName": name, "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})
                if status != 200:
                    churn_errors.append(("CreateTable", status, body))
                    return
                conn.call("DeleteTable", {"TableName": name})
                n += 1
        finally:
            conn.close()

    def query_body(table):
        return {"TableName": table, "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": "a"}}}

    def value_in(get_body):
        item = get_body.get("Item")
        return int(item["v"]["N"]) if item else 0

    def value_in_page(query_body_):
        items = query_body_.get("Items", [])
        return int(items[0]["v"]["N"]) if items else 0

    control, rconn, wconn = _Conn(port), _Conn(port), _Conn(port)
    key = {"pk": {"S": "a"}, "sk": {"S": "x"}}
    churner = threading.Thread(target=churn, daemon=True)
    churner.start()
    rounds = 0
    stale = []
    deadline = time.monotonic() + 3.0
    try:
        while time.monotonic() < deadline or rounds < 50:
            rounds += 1
            table = u.unique_name("first")
            status, body = control.call("CreateTable", {
                "TableName": table, "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                         {"AttributeName": "sk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                              {"AttributeName": "sk", "KeyType": "RANGE"}]})
            assert status == 200, body
            first = {}
            barrier = threading.Barrier(2)
            rng = random.Random(rounds)
            delay = rng.random() * 0.0005

            def read_first():
                barrier.wait()
                first["get"] = rconn.call("GetItem", {"TableName": table, "Key": key})
                first["query"] = rconn.call("Query", query_body(table))

            def write_first():
                barrier.wait()
                time.sleep(delay)
                first["update"] = wconn.call("UpdateItem", {
                    "TableName": table, "Key": key, "UpdateExpression": "ADD v :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                    "ReturnValues": "UPDATED_NEW"})

            pair = [threading.Thread(target=read_first), threading.Thread(target=write_first)]
            for t in pair:
                t.start()
            for t in pair:
                t.join(timeout=30)
            assert first["update"][0] == 200, first
            acked = int(first["update"][1]["Attributes"]["v"]["N"])
            # Sent after the update was acknowledged: both must show it.
            status, got = control.call("GetItem", {"TableName": table, "Key": key})
            assert status == 200, got
            status, page = control.call("Query", query_body(table))
            assert status == 200, page
            if value_in(got) < acked or value_in_page(page) < acked:
                later = None
                if len(stale) < 3:  # does it last? (DAX-like: until the entry's TTL)
                    time.sleep(0.1)
                    later = (control.call("GetItem", {"TableName": table, "Key": key})[1],
                             control.call("Query", query_body(table))[1])
                stale.append({"round": rounds, "acked": acked, "get_after_ack": got,
                              "query_after_ack": page, "first_get": first["get"],
                              "first_query": first["query"], "100ms_later": later})
            control.call("DeleteTable", {"TableName": table})
    finally:
        stop.set()
        churner.join(timeout=30)
        for c in (control, rconn, wconn):
            c.close()
    assert not churn_errors, churn_errors
    stale_gets = sum(1 for s in stale if value_in(s["get_after_ack"]) < s["acked"])
    stale_queries = sum(1 for s in stale if value_in_page(s["query_after_ack"]) < s["acked"])
    print(f"\nfirst writes: rounds={rounds} stale rounds={len(stale)} "
          f"(GetItem {stale_gets}, Query {stale_queries})")
    assert not stale, (f"{len(stale)} of {rounds} rounds read a value older than an "
                       f"acknowledged write (GetItem {stale_gets}, Query {stale_queries}); "
                       f"first ones: {stale[:3]}")
