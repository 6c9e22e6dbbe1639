-- The reporting part of the single-request wrk scripts (bench/getitem.lua, bench/cache.lua),
-- loaded by them with dofile: counts the answers that are not 200 (keeping the first one's
-- status and body), and done() prints that count and a last machine-readable line the
-- benchmark scripts parse:
--
--   WRK_RESULT requests=N duration_us=N rps=R p50_us=N p99_us=N non200=N socket_errors=N

-- Each wrk thread runs its own Lua state; setup() runs in the main one and keeps a handle on each
-- thread so that done() can add up their counters.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non200 = 0
  first_bad_status = 0
  first_bad_body = ""
end

function response(status, headers, body)
  if status ~= 200 then
    if non200 == 0 then
      first_bad_status = status
      first_bad_body = string.sub(body or "", 1, 300)
    end
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  local first_bad = 0
  local first_body = ""
  for _, thread in ipairs(threads) do
    local n = thread:get("non200") or 0
    if n > 0 and first_bad == 0 then
      first_bad = thread:get("first_bad_status")
      first_body = thread:get("first_bad_body") or ""
    end
    bad = bad + n
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  if bad > 0 then
    io.write(string.format("non-200 responses: %d (first status %d: %s)\n", bad, first_bad,
      first_body))
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
