"""Helpers shared by the black-box tests: starting and stopping the ddbx binary, raw HTTP with
SigV4 signing, boto3 clients, unique names, table setup and DynamoDB's error shapes.

Nothing here knows how ddbx is built inside; everything goes through the process boundary and
the wire, the way an application would see it.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
# Credentials for auth mode `none`: any well-formed signature is accepted.
DUMMY_KEY = "AKIDDUMMY"
DUMMY_SECRET = "dummy-secret"
TARGET_PREFIX = "DynamoDB_20120810."
JSON_CT = "application/x-amz-json-1.0"

# DynamoDB's full `__type` values.
T_VALIDATION = "com.amazon.coral.validate#ValidationException"
T_SERIALIZATION = "com.amazon.coral.service#SerializationException"
T_UNKNOWN_OP = "com.amazon.coral.service#UnknownOperationException"
T_MISSING_AUTH = "com.amazon.coral.service#MissingAuthenticationTokenException"
T_INVALID_SIG = "com.amazon.coral.service#InvalidSignatureException"
T_UNRECOGNIZED = "com.amazon.coral.service#UnrecognizedClientException"
T_NOT_FOUND = "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
T_IN_USE = "com.amazonaws.dynamodb.v20120810#ResourceInUseException"
T_CONDITIONAL = "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"


def ddbx_bin():
    return Path(os.environ.get("DDBX_BIN", REPO / "build" / "app" / "ddbx"))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_name(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# ---------------------------------------------------------------------------------------------
# The server process
# ---------------------------------------------------------------------------------------------


class Server:
    """One ddbx process listening on 127.0.0.1:<free port>, its output captured in log_dir."""

    def __init__(self, log_dir, in_memory=True, data_dir=None, config=None, threads=None,
                 extra_args=()):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        args = [str(ddbx_bin()), "serve", "--listen", f"127.0.0.1:{self.port}"]
        if data_dir is not None:
            args += ["--data-dir", str(data_dir)]
        elif in_memory:
            args += ["--in-memory"]
        if threads is not None:
            args += ["--threads", str(threads)]
        if config is not None:
            args += ["--config", str(config)]
        args += list(extra_args)
        self.args = args
        stamp = uuid.uuid4().hex[:6]
        self.stdout_path = self.log_dir / f"ddbx-{self.port}-{stamp}.out"
        self.stderr_path = self.log_dir / f"ddbx-{self.port}-{stamp}.err"
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        # Only the flags above configure the server, not DDBX_* settings of the caller.
        env = {k: v for k, v in os.environ.items() if not k.startswith("DDBX_")}
        self.proc = subprocess.Popen(args, stdout=self._out, stderr=self._err, env=env,
                                     stdin=subprocess.DEVNULL, cwd=str(self.log_dir))
        self.exit_code = None

    def logs(self):
        for f in (self._out, self._err):
            if not f.closed:
                f.flush()
        out = self.stdout_path.read_bytes()[-4000:].decode("utf-8", "replace")
        err = self.stderr_path.read_bytes()[-4000:].decode("utf-8", "replace")
        return f"--- ddbx {' '.join(self.args)}\n--- stdout:\n{out}\n--- stderr:\n{err}"

    def wait_ready(self, timeout=15.0):
        """Polls GET / until it answers 200. Raises if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"ddbx exited with {self.proc.returncode} before serving\n{self.logs()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/")
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status == 200:
                    return self
                last = f"GET / answered {resp.status}"
            except OSError as e:
                last = repr(e)
            time.sleep(0.02)
        raise RuntimeError(f"ddbx did not answer GET / within {timeout}s ({last})\n{self.logs()}")

    def running(self):
        return self.proc.poll() is None

    def stop(self, timeout=10.0):
        """SIGTERM, then waits for the exit. Returns the exit code (None: it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._close_logs()
                self.exit_code = None
                return None
        self._close_logs()
        self.exit_code = self.proc.returncode
        return self.exit_code

    def kill9(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._close_logs()
        self.exit_code = self.proc.returncode
        return self.exit_code

    def _close_logs(self):
        for f in (self._out, self._err):
            if not f.closed:
                f.close()


def stop_and_check(server, timeout=10.0):
    """Stops a server with SIGTERM and returns an error string if it did not exit 0 in time."""
    if not server.running():
        rc = server.proc.returncode
        server._close_logs()
        if server.exit_code is not None or rc == 0:
            return None  # a test stopped or killed it on purpose (and checked what it wanted)
        return f"ddbx died during the test with exit code {rc}\n{server.logs()}"
    rc = server.stop(timeout)
    if rc is None:
        return f"ddbx did not exit within {timeout}s of SIGTERM\n{server.logs()}"
    if rc != 0:
        return f"ddbx exited with {rc} after SIGTERM (expected 0)\n{server.logs()}"
    return None


# ---------------------------------------------------------------------------------------------
# boto3
# ---------------------------------------------------------------------------------------------


def client_config(**kw):
    # No retries, so every error surfaces on the first answer; no client-side parameter
    # validation, so the server's own checks are what the tests see.
    options = dict(retries={"total_max_attempts": 1, "mode": "standard"},
                   parameter_validation=False, connect_timeout=5, read_timeout=30)
    options.update(kw)
    return Config(**options)


def make_client(endpoint, key=DUMMY_KEY, secret=DUMMY_SECRET, **config_kw):
    return boto3.session.Session().client(
        "dynamodb", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
        aws_secret_access_key=secret, config=client_config(**config_kw))


def make_resource(endpoint, key=DUMMY_KEY, secret=DUMMY_SECRET):
    return boto3.session.Session().resource(
        "dynamodb", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
        aws_secret_access_key=secret, config=client_config())


def wait_active(client, name, timeout=10.0):
    """Polls DescribeTable until the table is ACTIVE; returns the description."""
    deadline = time.monotonic() + timeout
    while True:
        desc = client.describe_table(TableName=name)["Table"]
        if desc["TableStatus"] == "ACTIVE":
            return desc
        if time.monotonic() > deadline:
            raise AssertionError(f"table {name} still {desc['TableStatus']} after {timeout}s")
        time.sleep(0.02)


def wait_gone(client, name, timeout=10.0):
    """Polls DescribeTable until it answers ResourceNotFoundException; returns that error."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            desc = client.describe_table(TableName=name)["Table"]
        except client.exceptions.ResourceNotFoundException as e:
            return e
        if time.monotonic() > deadline:
            raise AssertionError(f"table {name} still {desc['TableStatus']} after {timeout}s")
        time.sleep(0.02)


def create_table(client, name, hash_key=("pk", "S"), range_key=None, billing="PAY_PER_REQUEST",
                 wait=True):
    attrs = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    if range_key:
        attrs.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
        schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
    kwargs = dict(TableName=name, AttributeDefinitions=attrs, KeySchema=schema)
    if billing == "PAY_PER_REQUEST":
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    else:
        kwargs["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 7}
    resp = client.create_table(**kwargs)
    if wait:
        wait_active(client, name)
    return resp


def error_of(exc_info):
    """(code, message, http status) of a botocore ClientError caught by pytest.raises."""
    resp = exc_info.value.response
    return (resp["Error"]["Code"], resp["Error"]["Message"],
            resp["ResponseMetadata"]["HTTPStatusCode"])


def failure(method, **kwargs):
    """Calls a boto3 client method that must fail; returns its (code, message, http status)."""
    try:
        method(**kwargs)
    except ClientError as e:
        resp = e.response
        return (resp["Error"]["Code"], resp["Error"]["Message"],
                resp["ResponseMetadata"]["HTTPStatusCode"])
    raise AssertionError(f"{getattr(method, '__name__', method)} succeeded; an error was expected")


def expect_error(resp, type_, message, status=400):
    """Asserts that a raw Response is DynamoDB's error: this status, `__type` and `message`
    (`message` may be a compiled regex, matched in full). Returns the decoded body."""
    assert resp.status == status, resp
    body = resp.json()
    assert body.get("__type") == type_, body
    if hasattr(message, "fullmatch"):
        assert message.fullmatch(body.get("message", "")), body
    else:
        assert body.get("message") == message, body
    return body


def expect_validation(resp, message):
    return expect_error(resp, T_VALIDATION, message)


# ---------------------------------------------------------------------------------------------
# Items: comparable forms and DynamoDB's item-size rule
# ---------------------------------------------------------------------------------------------


def normalize(av):
    """A comparable form of an AttributeValue (boto3 client shape): set members sorted."""
    (t, v), = av.items()
    if t in ("SS", "NS"):
        return {t: sorted(v)}
    if t == "BS":
        return {t: sorted(bytes(x) for x in v)}
    if t == "L":
        return {t: [normalize(x) for x in v]}
    if t == "M":
        return {t: {k: normalize(x) for k, x in v.items()}}
    if t == "B":
        return {t: bytes(v)}
    return {t: v}


def normalize_item(item):
    return {k: normalize(v) for k, v in item.items()}


def to_wire(av):
    """An AttributeValue in boto3's client shape (bytes for binaries) as raw JSON wants it."""
    (t, v), = av.items()
    if t == "B":
        return {t: b64(v) if isinstance(v, (bytes, bytearray)) else v}
    if t == "BS":
        return {t: [b64(x) if isinstance(x, (bytes, bytearray)) else x for x in v]}
    if t == "L":
        return {t: [to_wire(x) for x in v]}
    if t == "M":
        return {t: {k: to_wire(x) for k, x in v.items()}}
    return {t: v}


def to_wire_item(item):
    return {k: to_wire(v) for k, v in item.items()}


def _blob_len(v):
    return len(base64.b64decode(v)) if isinstance(v, str) else len(v)


def value_size(av):
    """Bytes DynamoDB counts for a value (Developer Guide, "Item sizes and formats"): strings
    are UTF-8 bytes, binaries raw bytes, BOOL and NULL one byte, sets the sum of their members.
    Numbers, lists and maps are only approximated by the guide, so tests that need an exact
    size do not use them and this helper refuses them."""
    (t, v), = av.items()
    if t == "S":
        return len(v.encode("utf-8"))
    if t == "B":
        return _blob_len(v)
    if t in ("BOOL", "NULL"):
        return 1
    if t == "SS":
        return sum(len(x.encode("utf-8")) for x in v)
    if t == "BS":
        return sum(_blob_len(x) for x in v)
    raise ValueError(f"no exact size rule for type {t}")


def item_size(item):
    """An item's size: attribute name bytes plus value bytes, summed over its attributes."""
    return sum(len(name.encode("utf-8")) + value_size(av) for name, av in item.items())


def sized_item(key, size, filler="data"):
    """`key` (a dict of S/B attributes) plus a string attribute `filler`, exactly `size` bytes."""
    item = dict(key)
    rest = size - item_size(item) - len(filler)
    assert rest >= 0, f"{size} bytes is too small for key {key}"
    item[filler] = {"S": "x" * rest}
    assert item_size(item) == size
    return item


# ---------------------------------------------------------------------------------------------
# SigV4, written out here so tests can sign at any time and tamper with any piece
# ---------------------------------------------------------------------------------------------


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def sigv4_headers(host, body, headers, key=DUMMY_KEY, secret=DUMMY_SECRET, region=REGION,
                  service="dynamodb", when=None):
    """Returns `headers` plus X-Amz-Date and Authorization for `POST /` with `body` (bytes)."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    date = when.strftime("%Y%m%d")
    out = dict(headers)
    out["Host"] = host
    out["X-Amz-Date"] = amz_date
    signed = sorted((k.lower(), " ".join(str(v).strip().split())) for k, v in out.items())
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in signed)
    signed_names = ";".join(k for k, _ in signed)
    payload_hash = hashlib.sha256(body).hexdigest()
    canonical = "\n".join(["POST", "/", "", canonical_headers, signed_names, payload_hash])
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    k = _hmac(("AWS4" + secret).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    k = _hmac(k, "aws4_request")
    signature = hmac.new(k, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
                            f"SignedHeaders={signed_names}, Signature={signature}")
    return out


# ---------------------------------------------------------------------------------------------
# Raw HTTP
# ---------------------------------------------------------------------------------------------


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value (last one wins)
        self.header_list = None
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"Response({self.status}, {self.headers}, {self.body[:500]!r})"


def http_request(port, method, path="/", headers=None, body=b"", timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        hdrs = dict(headers or {})
        hdrs.setdefault("Host", f"127.0.0.1:{port}")
        if body or method == "POST":
            hdrs["Content-Length"] = str(len(body))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders()
        if body:
            conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        r = Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        r.header_list = resp.getheaders()
        return r
    finally:
        conn.close()


def encode_payload(payload):
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    return json.dumps(payload).encode("utf-8")


def request_headers(port, operation, body, content_type=JSON_CT, sign=True, key=DUMMY_KEY,
                    secret=DUMMY_SECRET, extra=None):
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if operation is not None:
        headers["X-Amz-Target"] = operation if "." in operation else TARGET_PREFIX + operation
    if extra:
        headers.update(extra)
    if sign:
        headers = sigv4_headers(f"127.0.0.1:{port}", body, headers, key=key, secret=secret)
    else:
        headers["Host"] = f"127.0.0.1:{port}"
    return headers


def call(port, operation, payload, content_type=JSON_CT, sign=True, key=DUMMY_KEY,
         secret=DUMMY_SECRET, extra_headers=None, timeout=30):
    """One DynamoDB request over a fresh connection. `payload`: dict (JSON-encoded) or bytes."""
    body = encode_payload(payload)
    headers = request_headers(port, operation, body, content_type, sign, key, secret,
                              extra_headers)
    return http_request(port, "POST", "/", headers, body, timeout=timeout)


def raw_request_bytes(port, operation, payload, content_type=JSON_CT, sign=True):
    """The exact bytes of one HTTP/1.1 request, for pipelining and split-packet tests."""
    body = encode_payload(payload)
    headers = request_headers(port, operation, body, content_type, sign)
    headers["Content-Length"] = str(len(body))
    head = "POST / HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + body


class HttpReader:
    """Reads HTTP/1.1 responses one after the other from a raw socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self._started = False

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            if not self._started:
                raise EOFError("connection closed by server before the response began")
            raise ConnectionError(f"connection closed mid-response after {self.buf[:200]!r}")
        self._started = True
        self.buf += chunk

    def read_response(self):
        """The next response. EOFError: closed cleanly before it began; ConnectionError:
        closed part way through it."""
        self._started = bool(self.buf)
        try:
            return self._read_response()
        finally:
            self._started = False

    def _read_response(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    self._fill()
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    self._fill()
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    break
        else:
            length = int(headers.get("content-length", "0"))
            while len(self.buf) < length:
                self._fill()
            body, self.buf = self.buf[:length], self.buf[length:]
        return Response(status, headers, body)


def connect(port, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def b64(data):
    return base64.b64encode(data).decode("ascii")
