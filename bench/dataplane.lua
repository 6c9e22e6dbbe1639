-- wrk script: the data-plane load of bench/dataplane.sh, one operation per run, chosen by
-- DATAPLANE_OP:
--
--   DATAPLANE_OP=update wrk -t1 -c32 -d10s --latency -s bench/dataplane.lua http://127.0.0.1:8000/
--   DATAPLANE_OP=query  wrk -t1 -c32 -d10s --latency -s bench/dataplane.lua http://127.0.0.1:8000/
--   DATAPLANE_OP=scan   wrk -t4 -c4  -d10s --latency -s bench/dataplane.lua http://127.0.0.1:8000/
--
-- The table (DATAPLANE_TABLE, "dataplane") holds DATAPLANE_PARTITIONS (100) partitions of
-- DATAPLANE_PER_PARTITION (100) items each, keys pk "p00000".. and sk "s00000".. (as loaded by
-- bench/dataplane_load.py).
--
--   update  UpdateItem of a uniformly random item: `SET payload = :p ADD #c :one` with #c the
--           attribute `counter` (COUNTER is a reserved word) and :p a string of
--           DATAPLANE_PAYLOAD_BYTES (120) 'y's, the size of the loaded payload; ReturnValues NONE.
--   query   Query of a uniformly random partition, `pk = :pk`: every item of it, one page.
--   scan    full Scans, one after another on each thread: each page's LastEvaluatedKey becomes
--           the next page's ExclusiveStartKey until a page has none, which completes one full
--           Scan. Pages ask for Limit DATAPLANE_SCAN_LIMIT when it is set (else 1 MB pages).
--           The chain of a thread is one sequence of requests, so run it with as many
--           connections as threads (-tN -cN): wrk shares a thread's Lua state between its
--           connections, and a second connection would start a second chain interleaved with
--           the first.
--
-- Requests are sent as every SDK sends them: POST /, X-Amz-Target, Content-Type
-- application/x-amz-json-1.0, X-Amz-Date and a well-formed SigV4 Authorization header with a
-- made-up signature (the servers must not verify it). Every answer's status is checked; done()
-- prints a last machine-readable line that bench/dataplane.sh parses:
--
--   WRK_RESULT requests=N duration_us=N rps=R p50_us=N p99_us=N non200=N socket_errors=N
--              scans=N scans_per_s=R pages_per_scan=R scan_p50_us=N scan_p99_us=N
--
-- requests, rps, p50_us and p99_us count HTTP requests (for scan: pages); the scan fields are
-- whole Scans (0 for the other operations): scans completed, Scans per second (the ones cut off
-- by the end of the run counted by the share of their pages answered), and the latency of the
-- completed ones from the first page's request to the last page's answer.

local ffi = require("ffi")

local op = os.getenv("DATAPLANE_OP") or "update"
local table_name = os.getenv("DATAPLANE_TABLE") or "dataplane"
local partitions = tonumber(os.getenv("DATAPLANE_PARTITIONS") or "100")
local per_partition = tonumber(os.getenv("DATAPLANE_PER_PARTITION") or "100")
local payload_bytes = tonumber(os.getenv("DATAPLANE_PAYLOAD_BYTES") or "120")
local scan_limit = tonumber(os.getenv("DATAPLANE_SCAN_LIMIT") or "0")

local targets = { update = "UpdateItem", query = "Query", scan = "Scan" }
if not targets[op] then
  error("DATAPLANE_OP must be update, query or scan, not " .. op)
end

wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." .. targets[op]
wrk.headers["X-Amz-Date"] = "20240101T000000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 "
  .. "Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
  .. "SignedHeaders=host;x-amz-date, "
  .. "Signature=" .. string.rep("0123456789abcdef", 4)

ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } dataplane_timespec;
  int clock_gettime(int clock_id, dataplane_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("dataplane_timespec")

-- Microseconds on the monotonic clock.
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
  return tonumber(now_ts.tv_sec) * 1e6 + tonumber(now_ts.tv_nsec) / 1e3
end

-- Each wrk thread runs its own Lua state; setup() runs in the main one, numbers the threads
-- (for their random seeds) and keeps a handle on each so that done() can add up their counters.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
end

-- Built once per thread in init(): every request the thread can send (update: one per item,
-- query: one per partition), so that request() only picks one.
local prepared = {}

local function key_json(p, i)
  return string.format('{"pk":{"S":"p%05d"},"sk":{"S":"s%05d"}}', p, i)
end

local function scan_body(start_key)
  local body = '{"TableName":"' .. table_name .. '"'
  if scan_limit > 0 then
    body = body .. ',"Limit":' .. scan_limit
  end
  if start_key then
    body = body .. ',"ExclusiveStartKey":' .. start_key
  end
  return body .. "}"
end

function init(args)
  non200 = 0
  first_bad_status = 0
  first_bad_body = ""
  scans = 0
  scan_pages = 0
  partial_pages = 0
  scan_latencies = {}
  math.randomseed(7919 * thread_index)

  if op == "update" then
    local values = '"ExpressionAttributeNames":{"#c":"counter"},'
      .. '"ExpressionAttributeValues":{":p":{"S":"' .. string.rep("y", payload_bytes) .. '"},'
      .. '":one":{"N":"1"}}}'
    for p = 0, partitions - 1 do
      for i = 0, per_partition - 1 do
        local body = '{"TableName":"' .. table_name .. '","Key":' .. key_json(p, i)
          .. ',"UpdateExpression":"SET payload = :p ADD #c :one",' .. values
        prepared[#prepared + 1] = wrk.format(nil, nil, nil, body)
      end
    end
  elseif op == "query" then
    for p = 0, partitions - 1 do
      local body = '{"TableName":"' .. table_name .. '","KeyConditionExpression":"pk = :pk",'
        .. '"ExpressionAttributeValues":{":pk":{"S":"' .. string.format("p%05d", p) .. '"}}}'
      prepared[#prepared + 1] = wrk.format(nil, nil, nil, body)
    end
  end
end

-- The scan chain of this thread: the next page's ExclusiveStartKey (nil: start a new Scan) and
-- when the current Scan's first page was asked for.
local next_start_key = nil
local scan_started_us = 0

function request()
  if op == "scan" then
    if next_start_key == nil then
      scan_started_us = now_us()
    end
    return wrk.format(nil, nil, nil, scan_body(next_start_key))
  end
  return prepared[math.random(#prepared)]
end

-- Where LastEvaluatedKey sits among the answer's top-level members depends on the server; it is
-- a small object, and our keys hold no braces, so %b{} captures exactly its JSON text.
local function last_evaluated_key(body)
  local at = body:find('"LastEvaluatedKey"', 1, true)
  if at == nil then
    return nil
  end
  return body:match("^%s*:%s*(%b{})", at + #'"LastEvaluatedKey"')
end

function response(status, headers, body)
  if status ~= 200 then
    if non200 == 0 then
      first_bad_status = status
      first_bad_body = string.sub(body or "", 1, 300)
    end
    non200 = non200 + 1
    next_start_key = nil -- a failed page ends its Scan uncounted; the next request starts anew
    partial_pages = 0
    return
  end
  if op == "scan" then
    next_start_key = last_evaluated_key(body)
    partial_pages = partial_pages + 1
    if next_start_key == nil then
      scans = scans + 1
      scan_pages = scan_pages + partial_pages
      partial_pages = 0
      scan_latencies[#scan_latencies + 1] = now_us() - scan_started_us
    end
  end
end

-- The p-th percentile (nearest rank) of a sorted list; 0 for an empty one.
local function percentile(sorted, p)
  if #sorted == 0 then
    return 0
  end
  local rank = math.ceil(p / 100 * #sorted)
  if rank < 1 then
    rank = 1
  end
  return sorted[rank]
end

function done(summary, latency, requests)
  local bad = 0
  local first_bad = 0
  local first_body = ""
  local total_scans, total_scan_pages, total_partial_pages = 0, 0, 0
  local all = {}
  for _, thread in ipairs(threads) do
    local n = thread:get("non200") or 0
    if n > 0 and first_bad == 0 then
      first_bad = thread:get("first_bad_status")
      first_body = thread:get("first_bad_body") or ""
    end
    bad = bad + n
    total_scans = total_scans + (thread:get("scans") or 0)
    total_scan_pages = total_scan_pages + (thread:get("scan_pages") or 0)
    total_partial_pages = total_partial_pages + (thread:get("partial_pages") or 0)
    for _, us in ipairs(thread:get("scan_latencies") or {}) do
      all[#all + 1] = us
    end
  end
  table.sort(all)
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  if bad > 0 then
    io.write(string.format("non-200 responses: %d (first status %d: %s)\n", bad, first_bad,
      first_body))
  else
    io.write("non-200 responses: 0\n")
  end
  -- Scans cut off by the end of the run count by the share of their pages answered, at the
  -- pages per Scan of the completed ones (or DATAPLANE_SCAN_PAGES when none completed).
  local pages_per_scan = tonumber(os.getenv("DATAPLANE_SCAN_PAGES") or "0")
  if total_scans > 0 then
    pages_per_scan = total_scan_pages / total_scans
  end
  local scan_equivalents = total_scans
  if pages_per_scan > 0 then
    scan_equivalents = total_scans + total_partial_pages / pages_per_scan
  end
  local seconds = summary.duration / 1e6
  local rps, scans_per_s = 0, 0
  if seconds > 0 then
    rps = summary.requests / seconds
    scans_per_s = scan_equivalents / seconds
  end
  if op == "scan" then
    io.write(string.format(
      "full scans: %d completed (%.2f with the cut-off ones), %.2f/s, %.2f pages each,"
        .. " p50 %.1fms, p99 %.1fms\n",
      total_scans, scan_equivalents, scans_per_s, pages_per_scan, percentile(all, 50) / 1000,
      percentile(all, 99) / 1000))
  end
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non200=%d"
      .. " socket_errors=%d scans=%d scans_per_s=%.2f pages_per_scan=%.2f scan_p50_us=%d"
      .. " scan_p99_us=%d\n",
    summary.requests, summary.duration, rps, latency:percentile(50), latency:percentile(99), bad,
    socket_errors, total_scans, scans_per_s, pages_per_scan, percentile(all, 50),
    percentile(all, 99)))
end
