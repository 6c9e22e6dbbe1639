-- wrk script: one DynamoDB GetItem, sent as every SDK sends it, over and over.
--
--   wrk -t1 -c32 -d10s --latency -s bench/getitem.lua http://127.0.0.1:8000/
--
-- POST / with X-Amz-Target DynamoDB_20120810.GetItem, Content-Type application/x-amz-json-1.0,
-- X-Amz-Date and a well-formed but fake SigV4 Authorization header (the signature is not valid;
-- ddbx must be run with an authentication mode that does not verify signatures). The body asks
-- for the item with pk "item-1" in table "bench" (bench/getitem.sh creates both).
--
-- Every response's status is checked: done() prints how many were not 200, and a last
-- machine-readable line that bench/getitem.sh parses:
--   WRK_RESULT requests=N duration_us=N rps=R p50_us=N p99_us=N non200=N socket_errors=N
--
-- Environment: GETITEM_TABLE and GETITEM_KEY override the table name and the key's pk value.

local table_name = os.getenv("GETITEM_TABLE") or "bench"
local key = os.getenv("GETITEM_KEY") or "item-1"

wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.GetItem"
wrk.headers["X-Amz-Date"] = "20240101T000000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 "
  .. "Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
  .. "SignedHeaders=host;x-amz-date, "
  .. "Signature=" .. string.rep("0123456789abcdef", 4)
wrk.body = '{"TableName":"' .. table_name .. '","Key":{"pk":{"S":"' .. key .. '"}}}'

-- Each wrk thread runs its own Lua state; setup() runs in the main one and keeps a handle on each
-- thread so that done() can add up their counters.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non200 = 0
  first_bad_status = 0
end

function response(status, headers, body)
  if status ~= 200 then
    if non200 == 0 then
      first_bad_status = status
    end
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  local first_bad = 0
  for _, thread in ipairs(threads) do
    local n = thread:get("non200") or 0
    if n > 0 and first_bad == 0 then
      first_bad = thread:get("first_bad_status")
    end
    bad = bad + n
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  if bad > 0 then
    io.write(string.format("non-200 responses: %d (first status %d)\n", bad, first_bad))
  else
    io.write("non-200 responses: 0\n")
  end
  local rps = 0
  if summary.duration > 0 then
    rps = summary.requests / (summary.duration / 1e6)
  end
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non200=%d"
      .. " socket_errors=%d\n",
    summary.requests, summary.duration, rps, latency:percentile(50), latency:percentile(99), bad,
    socket_errors))
end
