"""Durability and shutdown. An acknowledged write survives kill -9 of the server (the bundled
engine syncs its WAL before answering), table metadata survives too, a transaction survives
entirely or not at all, a GSI backfill interrupted by kill -9 completes after the restart with
the index equal to its table, and SIGTERM / SIGINT stop
the server gracefully: no new connections, requests in flight finish, exit code 0.
"""

import signal
import socket
import threading
import time

import pytest

import ddbx_util as u


def _describe(client, name):
    t = client.describe_table(TableName=name)["Table"]
    keep = ("TableName", "TableArn", "TableId", "KeySchema", "AttributeDefinitions",
            "CreationDateTime", "TableStatus")
    out = {k: t[k] for k in keep}
    out["BillingMode"] = t.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    tp = t["ProvisionedThroughput"]
    out["Throughput"] = (tp["ReadCapacityUnits"], tp["WriteCapacityUnits"])
    return out


class Writers:
    """Threads that write until they fail, recording every write the server acknowledged."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.lock = threading.Lock()
        self.acked = {}           # (table, key repr) -> item
        self.hot_acked = {}       # hot key -> last acknowledged version
        self.hot_pending = {}     # hot key -> version sent but not (yet) acknowledged
        self.killed = threading.Event()
        self.errors_before_kill = []
        self.threads = []

    def count(self):
        with self.lock:
            return len(self.acked) + sum(self.hot_acked.values())

    def _run(self, body):
        try:
            body(u.make_client(self.endpoint, read_timeout=20))
        except Exception as e:  # the server going away ends every writer
            if not self.killed.is_set():
                self.errors_before_kill.append(repr(e))

    def start(self, fn, *args):
        t = threading.Thread(target=self._run, args=(lambda c: fn(c, *args),), daemon=True)
        t.start()
        self.threads.append(t)

    def unique_keys(self, client, table, w):
        for i in range(1_000_000):
            item = {"pk": {"S": f"w{w}-{i}"}, "n": {"N": str(i)},
                    "payload": {"S": f"{w}:{i}:" + "x" * (100 + (i * 37) % 3000)},
                    "bin": {"B": bytes([w, i % 256]) * 10},
                    "m": {"M": {"l": {"L": [{"N": str(i)}, {"SS": [f"s{i}", "t"]}]}}}}
            client.put_item(TableName=table, Item=item)
            with self.lock:
                self.acked[(table, f"w{w}-{i}")] = item

    def range_keys(self, client, table):
        for i in range(1_000_000):
            item = {"pk": {"S": f"p{i % 7}"}, "sk": {"N": str(i)}, "v": {"S": "é😀" * (i % 50)}}
            client.put_item(TableName=table, Item=item)
            with self.lock:
                self.acked[(table, (f"p{i % 7}", str(i)))] = item

    def hot_keys(self, client, table):
        for version in range(1, 1_000_000):
            key = f"hot{version % 3}"
            with self.lock:
                self.hot_pending[key] = version
            client.put_item(TableName=table, Item={"pk": {"S": key}, "v": {"N": str(version)}})
            with self.lock:
                self.hot_acked[key] = version
                del self.hot_pending[key]

    def join(self):
        for t in self.threads:
            t.join(timeout=30)
            assert not t.is_alive(), "a writer thread hung after the kill"


def test_acknowledged_writes_survive_kill9(server_factory, tmp_path):
    data = tmp_path / "data"
    srv = server_factory(data_dir=data)
    client = u.make_client(srv.endpoint)
    u.create_table(client, "crash_hash")
    u.create_table(client, "crash_range", range_key=("sk", "N"), billing="PROVISIONED")
    u.create_table(client, "crash_gone")
    client.delete_table(TableName="crash_gone")
    u.wait_gone(client, "crash_gone")
    meta = {name: _describe(client, name) for name in ("crash_hash", "crash_range")}

    writers = Writers(srv.endpoint)
    for w in range(3):
        writers.start(writers.unique_keys, "crash_hash", w)
    writers.start(writers.range_keys, "crash_range")
    writers.start(writers.hot_keys, "crash_hash")

    deadline = time.monotonic() + 20
    while writers.count() < 1500 and time.monotonic() < deadline:
        assert not writers.errors_before_kill, writers.errors_before_kill
        time.sleep(0.01)
    assert writers.count() >= 1500, f"only {writers.count()} writes acknowledged in 20 s"
    writers.killed.set()
    srv.kill9()  # mid-stream: the writers are still sending
    writers.join()
    assert not writers.errors_before_kill, writers.errors_before_kill

    srv2 = server_factory(data_dir=data)
    client = u.make_client(srv2.endpoint)
    assert client.list_tables()["TableNames"] == ["crash_hash", "crash_range"]
    for name, before in meta.items():
        assert _describe(client, name) == before

    missing, wrong = [], []
    for (table, key), item in writers.acked.items():
        k = {"pk": {"S": key}} if table == "crash_hash" else \
            {"pk": {"S": key[0]}, "sk": {"N": key[1]}}
        got = client.get_item(TableName=table, Key=k, ConsistentRead=True).get("Item")
        if got is None:
            missing.append((table, key))
        elif got != item:
            wrong.append((table, key))
    assert not missing, f"{len(missing)} acknowledged items lost, e.g. {missing[:5]}"
    assert not wrong, f"{len(wrong)} items changed, e.g. {wrong[:5]}"

    for key, version in writers.hot_acked.items():
        got = client.get_item(TableName="crash_hash", Key={"pk": {"S": key}})["Item"]
        allowed = {str(version)}
        if key in writers.hot_pending:  # sent, maybe written, never acknowledged
            allowed.add(str(writers.hot_pending[key]))
        assert got["v"]["N"] in allowed, (key, got, allowed)

    # The restarted server takes writes again.
    client.put_item(TableName="crash_hash", Item={"pk": {"S": "after"}})
    assert "Item" in client.get_item(TableName="crash_hash", Key={"pk": {"S": "after"}})


def _transact_writer(endpoint, w, acked, killed, errors):
    """Commits transactions until the server dies. Transaction i of writer w writes a marker item
    tx-w-i in one table and adds 1 to two counters in another; acked collects the ids the server
    acknowledged."""
    client = u.make_client(endpoint, read_timeout=20)
    try:
        for i in range(1_000_000):
            tx = f"tx-{w}-{i}"
            client.transact_write_items(TransactItems=[
                {"Put": {"TableName": "crash_tx_log", "Item": {"pk": {"S": tx}},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Update": {"TableName": "crash_tx_sum", "Key": {"pk": {"S": "left"}},
                            "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                {"Update": {"TableName": "crash_tx_sum", "Key": {"pk": {"S": "right"}},
                            "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            ])
            acked.append(tx)
    except Exception as e:  # the server going away ends every writer
        if not killed.is_set():
            errors.append(repr(e))


@pytest.mark.parametrize("round_", range(3))
def test_transactions_are_all_or_nothing_across_kill9(server_factory, tmp_path, round_):
    """kill -9 at a random moment while transactions commit: after the restart every
    acknowledged transaction is there, and every transaction is there entirely or not at all
    (each one's marker item and its increments of both counters)."""
    import random
    data = tmp_path / "data"
    srv = server_factory(data_dir=data)
    client = u.make_client(srv.endpoint)
    u.create_table(client, "crash_tx_log")
    u.create_table(client, "crash_tx_sum")

    acked, errors, killed = [], [], threading.Event()
    threads = [threading.Thread(target=_transact_writer, daemon=True,
                                args=(srv.endpoint, w, acked, killed, errors)) for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3 + random.random() * 1.2)
    assert not errors, errors
    killed.set()
    srv.kill9()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive(), "a writer thread hung after the kill"
    assert not errors, errors
    assert acked, "no transaction was acknowledged before the kill"

    srv2 = server_factory(data_dir=data)
    client = u.make_client(srv2.endpoint)
    markers = set()
    kwargs = {"TableName": "crash_tx_log", "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        markers.update(item["pk"]["S"] for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    lost = [tx for tx in acked if tx not in markers]
    assert not lost, f"{len(lost)} acknowledged transactions lost, e.g. {lost[:5]}"
    for side in ("left", "right"):
        item = client.get_item(TableName="crash_tx_sum", Key={"pk": {"S": side}},
                               ConsistentRead=True)["Item"]
        assert int(item["n"]["N"]) == len(markers), (side, item, len(markers))


def _scan_all(client, **kwargs):
    items = []
    while True:
        page = client.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _index_writer(endpoint, w, killed, errors):
    """Rewrites random items (moving their index key, removing it, deleting) until the server dies."""
    import random
    client = u.make_client(endpoint, read_timeout=20)
    rng = random.Random(w)
    try:
        while True:
            key = {"pk": {"S": f"k{rng.randrange(6000)}"}}
            roll = rng.random()
            if roll < 0.2:
                client.delete_item(TableName="crash_gsi", Key=key)
            elif roll < 0.4:
                client.put_item(TableName="crash_gsi", Item=key)
            else:
                client.put_item(TableName="crash_gsi",
                                Item={**key, "g": {"S": f"g{rng.randrange(20)}"}})
    except Exception as e:  # the server going away ends every writer
        if not killed.is_set():
            errors.append(repr(e))


@pytest.mark.parametrize("round_", range(2))
def test_gsi_backfill_survives_kill9(server_factory, tmp_path, round_):
    """kill -9 while a GSI added by UpdateTable is being filled and writers change the table:
    after the restart the backfill completes, and the index holds exactly the table's items."""
    import random
    data = tmp_path / "data"
    srv = server_factory(data_dir=data)
    client = u.make_client(srv.endpoint)
    u.create_table(client, "crash_gsi")
    for start in range(0, 5000, 25):
        client.batch_write_item(RequestItems={"crash_gsi": [
            {"PutRequest": {"Item": {"pk": {"S": f"k{i}"}, "g": {"S": f"g{i % 20}"}}}}
            for i in range(start, start + 25)]})

    killed, errors = threading.Event(), []
    threads = [threading.Thread(target=_index_writer, daemon=True,
                                args=(srv.endpoint, w, killed, errors)) for w in range(3)]
    for t in threads:
        t.start()
    client.update_table(
        TableName="crash_gsi", AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}}])
    time.sleep(random.random() * 0.05)  # the walk over 5,000 items takes a few tens of ms
    assert not errors, errors
    killed.set()
    srv.kill9()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive(), "a writer thread hung after the kill"

    srv2 = server_factory(data_dir=data)
    client = u.make_client(srv2.endpoint)
    deadline = time.monotonic() + 30
    while True:
        table = client.describe_table(TableName="crash_gsi")["Table"]
        if table["TableStatus"] == "ACTIVE":
            break
        assert time.monotonic() < deadline, table
        time.sleep(0.1)
    index = table["GlobalSecondaryIndexes"][0]
    assert index["IndexStatus"] == "ACTIVE" and "Backfilling" not in index, index
    expected = sorted((i["pk"]["S"], i["g"]["S"]) for i in _scan_all(client, TableName="crash_gsi")
                      if "g" in i)
    got = sorted((i["pk"]["S"], i["g"]["S"])
                 for i in _scan_all(client, TableName="crash_gsi", IndexName="by_g"))
    assert got == expected
    assert index["ItemCount"] == len(expected)


def test_metadata_and_items_survive_immediate_kill9(server_factory, tmp_path):
    data = tmp_path / "data"
    srv = server_factory(data_dir=data)
    client = u.make_client(srv.endpoint)
    u.create_table(client, "old_table")
    client.put_item(TableName="old_table", Item={"pk": {"S": "k"}, "v": {"S": "before"}})
    u.create_table(client, "fresh", range_key=("sk", "B"), wait=False)
    client.put_item(TableName="old_table", Item={"pk": {"S": "k"}, "v": {"S": "after"}})
    client.put_item(TableName="old_table", Item={"pk": {"S": "gone"}})
    client.delete_item(TableName="old_table", Key={"pk": {"S": "gone"}})
    desc = client.describe_table(TableName="fresh")["Table"]
    srv.kill9()

    srv2 = server_factory(data_dir=data)
    client = u.make_client(srv2.endpoint)
    fresh = u.wait_active(client, "fresh")
    for k in ("TableArn", "TableId", "KeySchema", "AttributeDefinitions", "CreationDateTime"):
        assert fresh[k] == desc[k], k
    got = client.get_item(TableName="old_table", Key={"pk": {"S": "k"}})["Item"]
    assert got["v"] == {"S": "after"}
    assert "Item" not in client.get_item(TableName="old_table", Key={"pk": {"S": "gone"}})


def test_data_survives_graceful_restarts(server_factory, tmp_path):
    data = tmp_path / "data"
    items = [{"pk": {"S": f"k{i}"}, "v": {"N": str(i)}} for i in range(50)]
    srv = server_factory(data_dir=data)
    client = u.make_client(srv.endpoint)
    u.create_table(client, "kept")
    for it in items[:25]:
        client.put_item(TableName="kept", Item=it)
    assert srv.stop() == 0
    srv = server_factory(data_dir=data)
    client = u.make_client(srv.endpoint)
    for it in items[25:]:
        client.put_item(TableName="kept", Item=it)
    client.delete_item(TableName="kept", Key={"pk": {"S": "k0"}})
    assert srv.stop() == 0
    srv = server_factory(data_dir=data)
    client = u.make_client(srv.endpoint)
    assert "Item" not in client.get_item(TableName="kept", Key={"pk": {"S": "k0"}})
    for it in items[1:]:
        assert client.get_item(TableName="kept", Key={"pk": it["pk"]})["Item"] == it


# ---- Graceful shutdown ----------------------------------------------------------------------


def _wait_exit(srv, timeout=10):
    try:
        return srv.proc.wait(timeout=timeout)
    except Exception:
        pytest.fail(f"ddbx did not exit within {timeout}s\n{srv.logs()}")


def _refuses_connections(port, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.close()
        except ConnectionRefusedError:
            return True
        except OSError:
            pass
        time.sleep(0.02)
    return False


def test_sigterm_finishes_request_in_flight(server_factory, ddb_for):
    srv = server_factory()
    client = ddb_for(srv)
    u.create_table(client, "inflight")
    item = {"pk": {"S": "slow"}, "v": {"S": "y" * 200000}}
    raw = u.raw_request_bytes(srv.port, "PutItem", {"TableName": "inflight", "Item": item})
    raw += u.raw_request_bytes(srv.port, "GetItem", {"TableName": "inflight",
                                                     "Key": {"pk": {"S": "slow"}}})
    s = u.connect(srv.port)
    try:
        cut = len(raw) // 4
        s.sendall(raw[:cut])  # the PutItem has started arriving
        time.sleep(0.2)
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert srv.running(), f"exited with a request in flight\n{srv.logs()}"
        assert _refuses_connections(srv.port), "still accepting connections after SIGTERM"
        s.sendall(raw[cut:])
        reader = u.HttpReader(s)
        put = reader.read_response()
        assert (put.status, put.json()) == (200, {}), put
        # A request already pipelined behind it may be answered or the connection closed.
        try:
            get = reader.read_response()
            assert (get.status, get.json()) == (200, {"Item": item}), get
        except EOFError:
            pass
    finally:
        s.close()
    assert _wait_exit(srv) == 0, srv.logs()
    srv.exit_code = 0


def test_sigterm_under_load(server_factory, tmp_path, ddb_for):
    data = tmp_path / "data"
    srv = server_factory(data_dir=data)
    client = ddb_for(srv)
    u.create_table(client, "load")
    acked, problems, lock = [], [], threading.Lock()
    stop_sent = threading.Event()

    def worker(w):
        s = None
        try:
            s = u.connect(srv.port)
            reader = u.HttpReader(s)
            for i in range(1_000_000):
                item = {"pk": {"S": f"{w}-{i}"}, "v": {"S": "z" * (i % 2000)}}
                try:
                    s.sendall(u.raw_request_bytes(srv.port, "PutItem",
                                                  {"TableName": "load", "Item": item}))
                    r = reader.read_response()
                except (EOFError, ConnectionResetError, BrokenPipeError):
                    if not stop_sent.is_set():
                        problems.append(f"connection lost before SIGTERM (worker {w})")
                    return
                if r.status != 200 or r.json() != {}:
                    problems.append(f"bad answer {r!r}")
                    return
                with lock:
                    acked.append(item)
        except Exception as e:  # truncated responses land here
            problems.append(repr(e))
        finally:
            if s:
                s.close()

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 200 and time.monotonic() < deadline and not problems:
        time.sleep(0.01)
    stop_sent.set()
    srv.proc.send_signal(signal.SIGTERM)
    rc = _wait_exit(srv, timeout=15)
    srv.exit_code = rc
    for t in threads:
        t.join(timeout=10)
    assert not problems, problems
    assert rc == 0, srv.logs()
    assert len(acked) >= 200

    srv2 = server_factory(data_dir=data)
    client = ddb_for(srv2)
    lost = [it["pk"]["S"] for it in acked
            if client.get_item(TableName="load", Key={"pk": it["pk"]}).get("Item") != it]
    assert not lost, f"{len(lost)} acknowledged writes missing after shutdown: {lost[:5]}"


def test_idle_connections_do_not_delay_shutdown(server_factory):
    srv = server_factory()
    idle = [u.connect(srv.port) for _ in range(5)]
    keep = u.connect(srv.port)
    try:
        keep.sendall(u.raw_request_bytes(srv.port, "ListTables", {}))
        assert u.HttpReader(keep).read_response().status == 200  # a kept-alive connection
        start = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        rc = _wait_exit(srv, timeout=10)
        srv.exit_code = rc
        assert rc == 0, srv.logs()
        assert time.monotonic() - start < 5
    finally:
        for s in idle + [keep]:
            s.close()


def test_sigint_is_graceful_too(server_factory):
    srv = server_factory()
    assert u.call(srv.port, "ListTables", {}).status == 200
    srv.proc.send_signal(signal.SIGINT)
    rc = _wait_exit(srv)
    srv.exit_code = rc
    assert rc == 0, srv.logs()


@pytest.fixture
def ddb_for():
    return lambda srv: u.make_client(srv.endpoint)
