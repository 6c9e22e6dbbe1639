-- wrk script: the write load of bench/writes.sh, one kind of request per run, chosen by
-- WRITES_OP:
--
--   WRITES_OP=put      PutItem of a new random item into WRITES_TABLE
--   WRITES_OP=transact TransactWriteItems of two Puts (two new random items) into WRITES_TABLE
--
-- Items are about 200 bytes of JSON: pk a random string, attributes g1 and g2 (the key
-- attributes of the indexed table's two GSIs: 64 and 1000 distinct values), and a payload. Keys
-- are drawn from 2^40 values, so every put creates an item. Each request carries the
-- well-formed, unverified SigV4 header of bench/lib.sh. done() prints one machine-readable line:
--
--   WRK_RESULT requests=N duration_us=N rps=R p50_us=N p99_us=N non200=N socket_errors=N
local op = os.getenv("WRITES_OP") or "put"
local table_name = os.getenv("WRITES_TABLE") or "plain"
if op ~= "put" and op ~= "transact" then
  error("WRITES_OP must be put or transact, not " .. op)
end

wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." .. (op == "put" and "PutItem" or "TransactWriteItems")
wrk.headers["X-Amz-Date"] = "20240101T000000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 "
  .. "Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
  .. "SignedHeaders=host;x-amz-date, "
  .. "Signature=" .. string.rep("0123456789abcdef", 4)

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
end

local payload = string.rep("x", 100)

local function item_json()
  return string.format('{"pk":{"S":"k%05x%06x"},"g1":{"S":"g%02d"},"g2":{"N":"%d"},'
    .. '"payload":{"S":"%s"}}', math.random(0, 0xFFFFF), math.random(0, 0xFFFFFF),
    math.random(0, 63), math.random(0, 999), payload)
end

function init(args)
  non200 = 0
  first_bad = ""
  math.randomseed(104729 * thread_index)
end

function request()
  local body
  if op == "put" then
    body = '{"TableName":"' .. table_name .. '","Item":' .. item_json() .. "}"
  else
    body = '{"TransactItems":[{"Put":{"TableName":"' .. table_name .. '","Item":' .. item_json()
      .. '}},{"Put":{"TableName":"' .. table_name .. '","Item":' .. item_json() .. "}}]}"
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 then
    if non200 == 0 then
      first_bad = status .. ": " .. string.sub(body or "", 1, 300)
    end
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local bad, first = 0, ""
  for _, thread in ipairs(threads) do
    local n = thread:get("non200") or 0
    if n > 0 and first == "" then
      first = thread:get("first_bad") or ""
    end
    bad = bad + n
  end
  local e = summary.errors
  io.write(string.format("non-200 responses: %d %s\n", bad, first))
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non200=%d socket_errors=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), bad,
    e.connect + e.read + e.write + e.timeout))
end
