// The cache is invisible to the AWS SDK for JavaScript v3.
//
//   node cache_sdk_test.mjs <endpoint with the cache on> <endpoint with --cache=false>
//
// Both servers get the same table and the same writes (PutItem, BatchWriteItem, UpdateItem,
// DeleteItem, TransactWriteItems); every write's parsed output must be the same on both. Then
// every read (GetItem, BatchGetItem, Query, Scan, pages followed through LastEvaluatedKey) is
// sent twice to the cached server (the second one must be a cache hit, per /metrics) and once
// to the uncached one, and the SDK's parsed outputs ($metadata stripped) must be deep-equal.
// Then writes through the cached server must show at once in GetItem and Query, and a repeated
// GetItem (and Query, BatchGetItem) with ReturnConsumedCapacity TOTAL must report 0 units on
// the cached server.
//
// Exit code 0: every check passed. 1: some check failed (each one described on stderr).
// 2: bad usage or an unexpected error (an SDK call that threw, a table that never got ACTIVE).
// Run by tests/integration/test_js_sdk.py, which starts the two servers.

import http from "node:http";
import { isDeepStrictEqual } from "node:util";
import { randomBytes } from "node:crypto";
import {
  DynamoDBClient,
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  BatchWriteItemCommand,
  UpdateItemCommand,
  DeleteItemCommand,
  TransactWriteItemsCommand,
  GetItemCommand,
  BatchGetItemCommand,
  QueryCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";

const [onEndpoint, offEndpoint] = process.argv.slice(2);
if (!onEndpoint || !offEndpoint) {
  console.error("usage: node cache_sdk_test.mjs <endpoint cache on> <endpoint cache off>");
  process.exit(2);
}

function client(endpoint) {
  return new DynamoDBClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "AKIDDUMMY", secretAccessKey: "dummy-secret" },
    maxAttempts: 1, // every error surfaces on the first answer
    requestHandler: { connectionTimeout: 5000, requestTimeout: 30000 },
  });
}

const on = { name: "cache on", endpoint: onEndpoint, ddb: client(onEndpoint) };
const off = { name: "cache off", endpoint: offEndpoint, ddb: client(offEndpoint) };

const COMMANDS = {
  CreateTable: CreateTableCommand,
  DescribeTable: DescribeTableCommand,
  PutItem: PutItemCommand,
  BatchWriteItem: BatchWriteItemCommand,
  UpdateItem: UpdateItemCommand,
  DeleteItem: DeleteItemCommand,
  TransactWriteItems: TransactWriteItemsCommand,
  GetItem: GetItemCommand,
  BatchGetItem: BatchGetItemCommand,
  Query: QueryCommand,
  Scan: ScanCommand,
};

// ---- Reporting ------------------------------------------------------------------------------

let passed = 0;
const failures = [];

function show(value) {
  return JSON.stringify(value, (_k, v) => {
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("base64") };
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Set) return { $set: [...v] };
    return v;
  });
}

function check(ok, what, details) {
  if (ok) {
    passed++;
  } else {
    failures.push(`${what}\n${details}`);
  }
  return ok;
}

// `got` (from `gotFrom`) must deep-equal `expected` (from `expectedFrom`).
function same(what, op, input, expectedFrom, expected, gotFrom, got) {
  return check(
    isDeepStrictEqual(got, expected),
    `MISMATCH ${what}: ${op}`,
    `  request:    ${show(input)}\n` +
      `  ${expectedFrom.padEnd(10)}: ${show(expected)}\n` +
      `  ${gotFrom.padEnd(10)}: ${show(got)}`,
  );
}

// ---- Calls ----------------------------------------------------------------------------------

function strip(output) {
  const { $metadata, ...rest } = output;
  return rest;
}

async function send(srv, op, input) {
  try {
    return strip(await srv.ddb.send(new COMMANDS[op](structuredClone(input))));
  } catch (e) {
    const err = new Error(
      `${op} on the ${srv.name} server (${srv.endpoint}) threw ${e.name}: ${e.message}\n` +
        `  request: ${show(input)}`,
    );
    err.cause = e;
    throw err;
  }
}

// The cache counters of a server's /metrics (Prometheus text).
const COUNTERS = ["ItemCacheHits", "ItemCacheMisses", "QueryCacheHits", "QueryCacheMisses",
  "ScanCacheHits", "ScanCacheMisses"];

function metrics(srv) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${srv.endpoint}/metrics`, { timeout: 10000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET ${srv.endpoint}/metrics answered ${res.statusCode}: ${body}`));
          return;
        }
        const out = {};
        for (const line of body.split("\n")) {
          if (!line || line.startsWith("#")) continue;
          const i = line.lastIndexOf(" ");
          out[line.slice(0, i)] = Number(line.slice(i + 1));
        }
        resolve(out);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${srv.endpoint}/metrics timed out`)));
    req.on("error", reject);
  });
}

function moved(before, after) {
  const d = {};
  for (const n of COUNTERS) {
    const v = (after[n] ?? 0) - (before[n] ?? 0);
    if (v !== 0) d[n] = v;
  }
  return d;
}

// The counters a cache hit of this read moves (none: a strongly consistent read skips the cache).
function hitCounters(op, input) {
  if (input.ConsistentRead) return {};
  if (op === "GetItem") return { ItemCacheHits: 1 };
  if (op === "BatchGetItem") {
    let n = 0;
    for (const t of Object.values(input.RequestItems)) n += t.Keys.length;
    return { ItemCacheHits: n };
  }
  if (op === "Query") return { QueryCacheHits: 1 };
  return { ScanCacheHits: 1 };
}

// ---- Data -----------------------------------------------------------------------------------

const S = (s) => ({ S: s });
const N = (n) => ({ N: String(n) });
const B = (bytes) => ({ B: Uint8Array.from(bytes) });
const key = (pk, sk) => ({ pk: S(pk), sk: N(sk) });

const TABLE = `js-sdk-${randomBytes(6).toString("hex")}`;

const CREATE = {
  TableName: TABLE,
  BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: [
    { AttributeName: "pk", AttributeType: "S" },
    { AttributeName: "sk", AttributeType: "N" },
    { AttributeName: "g", AttributeType: "S" },
  ],
  KeySchema: [
    { AttributeName: "pk", KeyType: "HASH" },
    { AttributeName: "sk", KeyType: "RANGE" },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: "by-g",
      KeySchema: [
        { AttributeName: "g", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    },
  ],
};

function richItem(pk, k) {
  const item = {
    pk: S(pk),
    sk: N(k),
    n: N(`${k}.50`),
    s: S(`v${k} h\u00e9llo \u2603 "q"`),
    b: B([0, k, 0xfe, 0xff]),
    ss: { SS: [`b${k}`, "a", "c"] },
    ns: { NS: ["2.50", "-3", String(k)] },
    bs: { BS: [Uint8Array.from([2]), Uint8Array.from([1, k])] },
    m: { M: { tag: S(`t${k % 3}`), nest: { M: { deep: N(k * 10), l: { L: [N(1), S("x")] } } } } },
    l: { L: [S("zero"), N(k), { M: { flag: { BOOL: k % 2 === 0 } } }, { L: [{ NULL: true }] }] },
    t: { BOOL: true },
    z: { NULL: true },
  };
  if (k % 3 !== 0) item.g = S(`g${k % 2}`);
  return item;
}

const WRITES = [
  // PutItem, one by one.
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => ["PutItem", { TableName: TABLE, Item: richItem("p1", k) }]),
  ["PutItem", { TableName: TABLE, Item: { pk: S("p0"), sk: N("-1.25"), g: S("g1"), only: S("a few") } }],
  // BatchWriteItem: puts in two partitions and a delete.
  ["BatchWriteItem", {
    RequestItems: {
      [TABLE]: [
        ...[1, 2, 3, 4, 5, 6].map((k) => ({
          PutRequest: { Item: { pk: S("p2"), sk: N(k), g: S("g2"), n: N(k * 100), note: S(`batch ${k}`) } },
        })),
        ...[1, 2, 3].map((k) => ({ PutRequest: { Item: { pk: S("p3"), sk: N(k), v: S(`p3-${k}`) } } })),
        { DeleteRequest: { Key: key("p1", 10) } },
      ],
    },
  }],
  // UpdateItem returning UPDATED_NEW (its output is compared too).
  ["UpdateItem", {
    TableName: TABLE, Key: key("p1", 3), ReturnValues: "UPDATED_NEW",
    UpdateExpression: "SET #n = #n + :inc, m.nest.deep = :d, added = :a ADD ss :more, cnt :one REMOVE z",
    ExpressionAttributeNames: { "#n": "n" },
    ExpressionAttributeValues: { ":inc": N("0.25"), ":d": S("now a string"), ":a": { L: [N(1), { M: {} }] },
      ":more": { SS: ["zz"] }, ":one": N(1) },
  }],
  ["UpdateItem", {
    TableName: TABLE, Key: key("p3", 9), ReturnValues: "UPDATED_NEW",
    UpdateExpression: "SET v = :v, g = :g", ExpressionAttributeValues: { ":v": S("created by update"), ":g": S("g0") },
  }],
  // DeleteItem returning the old item.
  ["DeleteItem", { TableName: TABLE, Key: key("p1", 4), ReturnValues: "ALL_OLD" }],
  ["DeleteItem", { TableName: TABLE, Key: key("p2", 6) }],
  // TransactWriteItems: a put, an update, a delete and a condition check.
  ["TransactWriteItems", {
    TransactItems: [
      { Put: { TableName: TABLE, Item: { pk: S("p4"), sk: N(1), g: S("g0"), v: S("transact put"), n: N("00.100") } } },
      { Update: { TableName: TABLE, Key: key("p2", 2), UpdateExpression: "SET note = :n, extra = :e REMOVE g",
        ExpressionAttributeValues: { ":n": S("transact update"), ":e": N("-12.3400") } } },
      { Delete: { TableName: TABLE, Key: key("p2", 3) } },
      { ConditionCheck: { TableName: TABLE, Key: key("p1", 1), ConditionExpression: "attribute_exists(pk)" } },
    ],
  }],
];

function reads() {
  const get = (k, extra = {}) => ["GetItem", { TableName: TABLE, Key: k, ...extra }];
  const q = (input) => ["Query", { TableName: TABLE, ...input }];
  const scan = (input = {}) => ["Scan", { TableName: TABLE, ...input }];
  const p1 = { ":p": S("p1") };
  return [
    // GetItem: plain, projected, missing, deleted, updated, created by each kind of write.
    ...[1, 2, 3, 5, 9].map((k) => get(key("p1", k))),
    get(key("p2", 2)), get(key("p2", 4)), get(key("p3", 9)), get(key("p4", 1)), get(key("p0", "-1.25")),
    get(key("p1", 99)), // never existed
    get(key("p1", 4)), // DeleteItem
    get(key("p1", 10)), // BatchWriteItem's DeleteRequest
    get(key("p2", 3)), // TransactWriteItems' Delete
    get(key("nobody", 1)),
    get(key("p1", 2), { ProjectionExpression: "#n, m.nest, l[1], l[2].flag, ss, nothere",
      ExpressionAttributeNames: { "#n": "n" } }),
    get(key("p1", 3), { ProjectionExpression: "#a, #m.#i.deep, cnt", ExpressionAttributeNames: {
      "#a": "added", "#m": "m", "#i": "nest" } }),
    get(key("p1", 5), { ProjectionExpression: "b, bs, t, z" }),
    get(key("p1", 99), { ProjectionExpression: "#n", ExpressionAttributeNames: { "#n": "n" } }),
    get(key("p1", 1), { ConsistentRead: true }),
    get(key("p1", "1.0")), // another spelling of the number 1
    // BatchGetItem: hits, misses and projections.
    ["BatchGetItem", { RequestItems: { [TABLE]: { Keys: [key("p1", 1), key("p1", 4), key("p2", 1), key("zz", 0), key("p4", 1)] } } }],
    ["BatchGetItem", { RequestItems: { [TABLE]: { Keys: [key("p1", 2), key("p1", 3), key("p3", 99)],
      ProjectionExpression: "pk, sk, #m.tag, l[0]", ExpressionAttributeNames: { "#m": "m" } } } }],
    ["BatchGetItem", { RequestItems: { [TABLE]: { Keys: [key("absent", 1), key("absent", 2)] } } }],
    // Query: key conditions, filters, projections, limits and pages, both directions, the GSI.
    q({ KeyConditionExpression: "pk = :p", ExpressionAttributeValues: p1 }),
    q({ KeyConditionExpression: "pk = :p AND sk BETWEEN :a AND :b",
      ExpressionAttributeValues: { ...p1, ":a": N(2), ":b": N("7.0") } }),
    q({ KeyConditionExpression: "pk = :p AND sk > :a", FilterExpression: "m.tag = :t OR attribute_exists(added)",
      ExpressionAttributeValues: { ...p1, ":a": N(1), ":t": S("t1") } }),
    q({ KeyConditionExpression: "#k = :p", FilterExpression: "#n > :f", Limit: 3,
      ExpressionAttributeNames: { "#k": "pk", "#n": "n" }, ExpressionAttributeValues: { ...p1, ":f": N(3) } }),
    q({ KeyConditionExpression: "pk = :p", Limit: 3, ExpressionAttributeValues: p1 }),
    q({ KeyConditionExpression: "pk = :p", Limit: 2, ScanIndexForward: false, ExpressionAttributeValues: p1 }),
    q({ KeyConditionExpression: "pk = :p", ScanIndexForward: false, ExpressionAttributeValues: { ":p": S("p2") } }),
    q({ KeyConditionExpression: "pk = :p", ProjectionExpression: "sk, #m.tag, l[1], nothere",
      ExpressionAttributeNames: { "#m": "m" }, ExpressionAttributeValues: p1 }),
    q({ KeyConditionExpression: "pk = :p", Select: "COUNT", ExpressionAttributeValues: p1 }),
    q({ KeyConditionExpression: "pk = :p AND sk < :a", ExpressionAttributeValues: { ":p": S("nobody"), ":a": N(1) } }),
    q({ IndexName: "by-g", KeyConditionExpression: "g = :g", ExpressionAttributeValues: { ":g": S("g1") } }),
    q({ IndexName: "by-g", KeyConditionExpression: "g = :g", Limit: 2, ScanIndexForward: false,
      ExpressionAttributeValues: { ":g": S("g2") } }),
    q({ IndexName: "by-g", KeyConditionExpression: "g = :g AND sk >= :s", FilterExpression: "attribute_exists(v)",
      ExpressionAttributeValues: { ":g": S("g0"), ":s": N(1) } }),
    q({ IndexName: "by-g", KeyConditionExpression: "g = :g", Limit: 1, ExpressionAttributeValues: { ":g": S("g0") } }),
    // Scan: whole table, pages, filters, the GSI.
    scan(),
    scan({ Limit: 4 }),
    scan({ Limit: 5, FilterExpression: "attribute_exists(g) AND sk <> :x", ExpressionAttributeValues: { ":x": N(2) } }),
    scan({ ProjectionExpression: "pk, sk, g" }),
    scan({ Select: "COUNT", FilterExpression: "begins_with(pk, :p)", ExpressionAttributeValues: { ":p": S("p2") } }),
    scan({ IndexName: "by-g", Limit: 3 }),
  ];
}

// ---- The checks -----------------------------------------------------------------------------

async function createTable(srv) {
  await send(srv, "CreateTable", CREATE);
  const deadline = Date.now() + 15000;
  for (;;) {
    const { Table } = await send(srv, "DescribeTable", { TableName: TABLE });
    const indexesActive = (Table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE");
    if (Table.TableStatus === "ACTIVE" && indexesActive) return;
    if (Date.now() > deadline) throw new Error(`table ${TABLE} on the ${srv.name} server not ACTIVE after 15s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// The same write to both servers; their outputs must be the same.
async function writeBoth(op, input) {
  const expected = await send(off, op, input);
  const got = await send(on, op, input);
  same("write output", op, input, "cache off", expected, "cache on", got);
  return got;
}

// One read (one page): once to the uncached server, twice to the cached one; the second must
// be a hit. Returns the uncached output.
async function compareRead(what, op, input) {
  const expected = await send(off, op, input);
  const m0 = await metrics(on);
  const first = await send(on, op, input);
  const m1 = await metrics(on);
  const second = await send(on, op, input);
  const m2 = await metrics(on);
  same(`${what}, first read (cache miss or written-through)`, op, input, "cache off", expected, "cache on", first);
  same(`${what}, second read (cache hit)`, op, input, "cache off", expected, "cache on", second);
  const d1 = moved(m0, m1);
  const total = Object.values(d1).reduce((a, b) => a + b, 0);
  const expectedCount = Object.values(hitCounters(op, input))[0] ?? 0;
  check(total === expectedCount, `first read did not go through the cache once per key: ${op}`,
    `  request: ${show(input)}\n  counters moved: ${show(d1)}`);
  const d2 = moved(m1, m2);
  check(isDeepStrictEqual(d2, hitCounters(op, input)), `second read was not a cache hit: ${op}`,
    `  request: ${show(input)}\n  counters moved: ${show(d2)}, expected ${show(hitCounters(op, input))}`);
  return expected;
}

// Query/Scan: follows the uncached server's LastEvaluatedKeys, comparing every page; then
// follows the cached server's own chain and checks it leads through the same pages.
async function comparePages(what, op, first) {
  const chain = [];
  let input = first;
  for (let page = 1; ; page++) {
    if (page > 50) throw new Error(`${op} ${show(first)}: more than 50 pages`);
    const out = await compareRead(`${what}, page ${page}`, op, input);
    chain.push(out);
    if (!out.LastEvaluatedKey) break;
    input = { ...first, ExclusiveStartKey: out.LastEvaluatedKey };
  }
  const own = [];
  input = first;
  for (let page = 1; page <= chain.length + 1; page++) {
    const out = await send(on, op, input);
    own.push(out);
    if (!out.LastEvaluatedKey) break;
    input = { ...first, ExclusiveStartKey: out.LastEvaluatedKey };
  }
  same(`${what}, the cached server's own page chain`, op, first, "cache off", chain, "cache on", own);
  return chain;
}

async function compareAll(what) {
  for (const [op, input] of reads()) {
    if (op === "Query" || op === "Scan") await comparePages(what, op, input);
    else await compareRead(what, op, input);
  }
}

// A write through both servers, then reads whose new answer is checked on the cached server
// (against `expect`, a predicate on its output) and compared with the uncached one.
async function writeThenRead(what, write, checksAfter) {
  await writeBoth(...write);
  for (const [op, input, expect, description] of checksAfter) {
    const got = await send(on, op, input);
    check(expect(got), `STALE READ after ${what}: ${op} on the cache-on server does not show the write (${description})`,
      `  write:   ${write[0]} ${show(write[1])}\n  read:    ${show(input)}\n  answer:  ${show(got)}`);
    const expected = await send(off, op, input);
    same(`read after ${what}`, op, input, "cache off", expected, "cache on", got);
  }
}

async function writeThroughChecks() {
  const get = (k) => ["GetItem", { TableName: TABLE, Key: k }];
  const qp1 = ["Query", { TableName: TABLE, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": S("p1") } }];
  const qgsi = (g) => ["Query", { TableName: TABLE, IndexName: "by-g", KeyConditionExpression: "g = :g",
    ExpressionAttributeValues: { ":g": S(g) } }];
  const itemOf = (out, pk, sk) => (out.Items ?? []).find((i) => i.pk?.S === pk && i.sk?.N === String(sk));

  // Everything below is cached now (compareAll read it twice).
  await writeThenRead("UpdateItem", ["UpdateItem", { TableName: TABLE, Key: key("p1", 1),
    UpdateExpression: "SET s = :s", ExpressionAttributeValues: { ":s": S("updated through the cache") } }], [
    [...get(key("p1", 1)), (o) => o.Item?.s?.S === "updated through the cache", "GetItem sees the new s"],
    [...qp1, (o) => itemOf(o, "p1", 1)?.s?.S === "updated through the cache", "Query sees the new s"],
    [...qgsi("g1"), (o) => itemOf(o, "p1", 1)?.s?.S === "updated through the cache", "GSI Query sees the new s"],
  ]);
  await writeThenRead("PutItem", ["PutItem", { TableName: TABLE,
    Item: { pk: S("p1"), sk: N(50), g: S("g1"), s: S("new item") } }], [
    [...get(key("p1", 50)), (o) => o.Item?.s?.S === "new item", "GetItem finds the new item"],
    [...qp1, (o) => itemOf(o, "p1", 50)?.s?.S === "new item", "Query finds the new item"],
    [...qgsi("g1"), (o) => itemOf(o, "p1", 50)?.s?.S === "new item", "GSI Query finds the new item"],
  ]);
  await writeThenRead("PutItem replacing an item", ["PutItem", { TableName: TABLE,
    Item: { pk: S("p1"), sk: N(2), s: S("replaced, no g any more") } }], [
    [...get(key("p1", 2)), (o) => o.Item?.s?.S === "replaced, no g any more" && !o.Item.m, "GetItem sees the replacement"],
    [...qp1, (o) => itemOf(o, "p1", 2)?.s?.S === "replaced, no g any more", "Query sees the replacement"],
    [...qgsi("g0"), (o) => !itemOf(o, "p1", 2), "the GSI no longer holds the item"],
  ]);
  await writeThenRead("DeleteItem", ["DeleteItem", { TableName: TABLE, Key: key("p1", 5) }], [
    [...get(key("p1", 5)), (o) => o.Item === undefined, "GetItem finds no item"],
    [...qp1, (o) => !itemOf(o, "p1", 5), "Query no longer returns it"],
    [...qgsi("g1"), (o) => !itemOf(o, "p1", 5), "GSI Query no longer returns it"],
  ]);
  await writeThenRead("BatchWriteItem", ["BatchWriteItem", { RequestItems: { [TABLE]: [
    { PutRequest: { Item: { pk: S("p1"), sk: N(4), s: S("back again") } } },
    { DeleteRequest: { Key: key("p1", 7) } },
  ] } }], [
    [...get(key("p1", 4)), (o) => o.Item?.s?.S === "back again", "GetItem finds the item put back"],
    [...get(key("p1", 7)), (o) => o.Item === undefined, "GetItem finds no deleted item"],
    [...qp1, (o) => itemOf(o, "p1", 4)?.s?.S === "back again" && !itemOf(o, "p1", 7), "Query sees both"],
    ["BatchGetItem", { RequestItems: { [TABLE]: { Keys: [key("p1", 4), key("p1", 7)] } } },
      (o) => o.Responses?.[TABLE]?.length === 1 && o.Responses[TABLE][0].s?.S === "back again", "BatchGetItem sees both"],
  ]);
  await writeThenRead("TransactWriteItems", ["TransactWriteItems", { TransactItems: [
    { Update: { TableName: TABLE, Key: key("p1", 3), UpdateExpression: "SET s = :s",
      ExpressionAttributeValues: { ":s": S("transacted") } } },
    { Delete: { TableName: TABLE, Key: key("p1", 8) } },
  ] }], [
    [...get(key("p1", 3)), (o) => o.Item?.s?.S === "transacted", "GetItem sees the update"],
    [...get(key("p1", 8)), (o) => o.Item === undefined, "GetItem finds no deleted item"],
    [...qp1, (o) => itemOf(o, "p1", 3)?.s?.S === "transacted" && !itemOf(o, "p1", 8), "Query sees both"],
    ["Scan", { TableName: TABLE }, (o) => itemOf(o, "p1", 3)?.s?.S === "transacted" && !itemOf(o, "p1", 8), "Scan sees both"],
  ]);
  await writeThenRead("UpdateItem with ReturnValues UPDATED_NEW", ["UpdateItem", { TableName: TABLE, Key: key("p2", 1),
    ReturnValues: "UPDATED_NEW", UpdateExpression: "ADD n :d", ExpressionAttributeValues: { ":d": N(1) } }], [
    [...get(key("p2", 1)), (o) => o.Item?.n?.N === "101", "GetItem sees n = 101"],
    [...qgsi("g2"), (o) => itemOf(o, "p2", 1)?.n?.N === "101", "GSI Query sees n = 101"],
  ]);
}

async function capacityChecks() {
  const cases = [
    ["GetItem", { TableName: TABLE, Key: key("p1", 9), ReturnConsumedCapacity: "TOTAL" }],
    ["GetItem", { TableName: TABLE, Key: key("p1", 99), ReturnConsumedCapacity: "TOTAL" }],
    ["Query", { TableName: TABLE, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": S("p3") },
      ReturnConsumedCapacity: "TOTAL" }],
    ["BatchGetItem", { RequestItems: { [TABLE]: { Keys: [key("p1", 9), key("p3", 1)] } }, ReturnConsumedCapacity: "TOTAL" }],
  ];
  for (const [op, input] of cases) {
    const expected = await send(off, op, input);
    await send(on, op, input);
    const m0 = await metrics(on);
    const got = await send(on, op, input);
    const d = moved(m0, await metrics(on));
    check(isDeepStrictEqual(d, hitCounters(op, input)), `repeated ${op} with ReturnConsumedCapacity was not a cache hit`,
      `  request: ${show(input)}\n  counters moved: ${show(d)}`);
    const cc = (o) => (Array.isArray(o.ConsumedCapacity) ? o.ConsumedCapacity : [o.ConsumedCapacity]);
    const zero = cc(got).map((c) => ({ ...c, CapacityUnits: 0 }));
    check(isDeepStrictEqual(cc(got), zero) && cc(got).every((c) => c && c.TableName === TABLE),
      `${op} hit on the cache-on server does not report 0 capacity units`,
      `  request: ${show(input)}\n  cache on: ${show(got.ConsumedCapacity)}`);
    check(cc(expected).every((c) => c && c.TableName === TABLE && c.CapacityUnits > 0),
      `${op} on the cache-off server does not report the store's capacity`,
      `  request: ${show(input)}\n  cache off: ${show(expected.ConsumedCapacity)}`);
    // Apart from the units, the same answer in the same shape.
    same("ReturnConsumedCapacity TOTAL (units zeroed)", op, input, "cache off",
      { ...expected, ConsumedCapacity: Array.isArray(expected.ConsumedCapacity)
        ? expected.ConsumedCapacity.map((c) => ({ ...c, CapacityUnits: 0 }))
        : { ...expected.ConsumedCapacity, CapacityUnits: 0 } },
      "cache on", { ...got, ConsumedCapacity: Array.isArray(got.ConsumedCapacity) ? zero : zero[0] });
  }
}

async function main() {
  await createTable(off);
  await createTable(on);
  for (const [op, input] of WRITES) await writeBoth(op, input);
  await compareAll("after the writes");
  await writeThroughChecks();
  await compareAll("after the writes through the cache");
  await capacityChecks();
  const offMetrics = await metrics(off);
  check(!offMetrics.ItemCacheHits && !offMetrics.QueryCacheHits && !offMetrics.ScanCacheHits,
    "the cache-off server reported cache hits", `  ${show(moved({}, offMetrics))}`);
}

let code = 0;
try {
  await main();
  if (failures.length) {
    for (const f of failures) console.error(f + "\n");
    console.error(`cache_sdk_test: FAILED ${failures.length} of ${passed + failures.length} checks (table ${TABLE})`);
    code = 1;
  }
  console.log(`cache_sdk_test: ${passed} of ${passed + failures.length} checks passed ` +
    `(cache on ${onEndpoint} vs cache off ${offEndpoint}, @aws-sdk/client-dynamodb, node ${process.version})`);
} catch (e) {
  for (const f of failures) console.error(f + "\n");
  console.error(`cache_sdk_test: ERROR after ${passed} passed and ${failures.length} failed checks:\n${e.stack ?? e}`);
  code = 2;
} finally {
  on.ddb.destroy();
  off.ddb.destroy();
}
process.exit(code);
