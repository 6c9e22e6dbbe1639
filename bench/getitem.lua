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

-- The answers' checks and the WRK_RESULT line: bench/wrk_report.lua, next to this script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")
