-- wrk script: the load of bench/cache.sh, one request sent over and over, chosen by CACHE_OP:
--
--   CACHE_OP=getitem wrk -t1 -c32 -d5s --latency -s bench/cache.lua http://127.0.0.1:8000/
--   CACHE_OP=query   wrk -t1 -c32 -d5s --latency -s bench/cache.lua http://127.0.0.1:8000/
--
--   getitem  an eventually consistent GetItem of the item with pk CACHE_KEY ("item-1") in table
--            CACHE_TABLE ("bench"): byte for byte the request of bench/getitem.lua.
--   query    a Query of one partition, `pk = :pk` with :pk = CACHE_PK ("p0000000"), in table
--            CACHE_TABLE ("query"): every item of the partition, one page.
--
-- The same request every time, so on a server with its cache on every answer after the first is
-- a cache hit (bench/cache.sh checks the hit counters in GET /metrics after the runs); with the
-- cache off each is a read of the store.
--
-- Requests are sent as every SDK sends them: POST /, X-Amz-Target, Content-Type
-- application/x-amz-json-1.0, X-Amz-Date and a well-formed SigV4 Authorization header with a
-- made-up signature (the servers must not verify it). Every answer's status is checked; done()
-- prints how many were not 200, and a last machine-readable line that bench/cache.sh parses:
--
--   WRK_RESULT requests=N duration_us=N rps=R p50_us=N p99_us=N non200=N socket_errors=N

local op = os.getenv("CACHE_OP") or "getitem"

local bodies = {
  getitem = function()
    local table_name = os.getenv("CACHE_TABLE") or "bench"
    local key = os.getenv("CACHE_KEY") or "item-1"
    return '{"TableName":"' .. table_name .. '","Key":{"pk":{"S":"' .. key .. '"}}}'
  end,
  query = function()
    local table_name = os.getenv("CACHE_TABLE") or "query"
    local pk = os.getenv("CACHE_PK") or "p0000000"
    return '{"TableName":"' .. table_name .. '","KeyConditionExpression":"pk = :pk",'
      .. '"ExpressionAttributeValues":{":pk":{"S":"' .. pk .. '"}}}'
  end,
}
local targets = { getitem = "GetItem", query = "Query" }
if not targets[op] then
  error("CACHE_OP must be getitem or query, not " .. op)
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
wrk.body = bodies[op]()

-- The answers' checks and the WRK_RESULT line: bench/wrk_report.lua, next to this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")
