import { RPC_DEFAULTS } from "../../node/rpc/defaults.ts";
import {
  batchOf,
  Code,
  error,
  type HostileCase,
  type HttpCase,
  request,
  resultOr,
  type SlowLorisCase,
  type SocketCase,
  statusOnly,
  type WsCase,
  type WsConnectionsCase,
  type WsFrame,
} from "./cases.ts";
import { edgeCases } from "./edges.ts";
import { badParamCases, controlCases } from "./params.ts";
import { type TxContext, txCases } from "./txCases.ts";

/**
 * The hostile-request corpus: malformed and hostile JSON-RPC traffic over HTTP, WebSocket and raw TCP, each case
 * with the answer a node must give. None of it may change state: every transaction in it is refused.
 */

export interface CorpusOptions extends TxContext {
  /** Slow-loris connections opened (0 leaves the family out). */
  slowLorisSockets: number;
  /** How long the node may take to close them: its header timeout plus the period of its timeout checks. */
  slowLorisCloseWithinMs: number;
}

/** The node's limits the corpus tests: a node run with the defaults. */
export const LIMITS = RPC_DEFAULTS;

const VALID = request("eth_chainId", []);

function http(family: string, name: string, body: string | Uint8Array, expect: HttpCase["expect"]): HttpCase {
  return { transport: "http", family, name, body, expect };
}

function badJsonCases(): HttpCase[] {
  const parse = error(Code.Parse);
  const bodies: [string, string | Uint8Array][] = [
    ["empty body", ""],
    ["whitespace only", " \n\t "],
    ["not json", "{not json"],
    ["a lone brace", "{"],
    ["a lone bracket", "["],
    ["a closing bracket", "]"],
    ["truncated null", "nul"],
    ["truncated true", "tru"],
    ["single quotes", "{'jsonrpc':'2.0','id':1,'method':'eth_chainId'}"],
    ["trailing comma", '{"jsonrpc":"2.0","id":1,"method":"eth_chainId",}'],
    ["NaN", '{"jsonrpc":"2.0","id":NaN,"method":"eth_chainId"}'],
    ["Infinity", '{"jsonrpc":"2.0","id":Infinity,"method":"eth_chainId"}'],
    ["undefined", '{"jsonrpc":"2.0","id":undefined,"method":"eth_chainId"}'],
    ["a comment", '{"jsonrpc":"2.0",/* hi */"id":1,"method":"eth_chainId"}'],
    ["a byte-order mark", `\ufeff${VALID}`],
    ["two objects", `${VALID}${VALID}`],
    ["an object and junk", `${VALID} junk`],
    ["unquoted keys", "{jsonrpc:'2.0',id:1,method:'eth_chainId'}"],
    ["a raw control character in a string", '{"jsonrpc":"2.0","id":"a\u0001b","method":"eth_chainId"}'],
    ["a bad escape", '{"jsonrpc":"2.0","id":"\\x41","method":"eth_chainId"}'],
    ["a lone backslash", '{"jsonrpc":"2.0","id":"\\","method":"eth_chainId"}'],
    ["hex number", '{"jsonrpc":"2.0","id":0x1,"method":"eth_chainId"}'],
    ["leading zero number", '{"jsonrpc":"2.0","id":01,"method":"eth_chainId"}'],
    ["plus sign number", '{"jsonrpc":"2.0","id":+1,"method":"eth_chainId"}'],
    ["invalid UTF-8 bytes", Uint8Array.from([0xff, 0xfe, 0xfd, 0x7b, 0x80, 0x81])],
    ["a NUL byte", `{"jsonrpc":"2.0"\u0000,"id":1}`],
    ["XML", '<?xml version="1.0"?><methodCall><methodName>eth_chainId</methodName></methodCall>'],
    ["form-encoded", "jsonrpc=2.0&id=1&method=eth_chainId"],
    ["an unclosed string", '{"jsonrpc":"2.0","id":"'],
    ["unclosed after a batch", `[${VALID},`],
  ];
  const cases = bodies.map(([name, body]) => http("bad-json", name, body, parse));
  // Every proper prefix of a valid request is invalid JSON.
  for (let cut = 1; cut < VALID.length; cut += 1)
    cases.push(http("bad-json", `valid request cut at ${cut} chars`, VALID.slice(0, cut), parse));
  return cases;
}

function envelopeCases(): HttpCase[] {
  const invalid = error(Code.InvalidRequest);
  const env = (fields: string) => `{${fields}}`;
  const m = '"method":"eth_chainId"';
  const v = '"jsonrpc":"2.0"';
  const list: [string, string, HttpCase["expect"]][] = [
    ["jsonrpc missing", env(`"id":1,${m}`), invalid],
    ["jsonrpc 1.0", env(`"jsonrpc":"1.0","id":1,${m}`), invalid],
    ["jsonrpc as a number", env(`"jsonrpc":2,"id":1,${m}`), invalid],
    ["jsonrpc as 2.0 number", env(`"jsonrpc":2.0,"id":1,${m}`), invalid],
    ["jsonrpc null", env(`"jsonrpc":null,"id":1,${m}`), invalid],
    ["jsonrpc in an array", env(`"jsonrpc":["2.0"],"id":1,${m}`), invalid],
    ["jsonrpc 3.0", env(`"jsonrpc":"3.0","id":1,${m}`), invalid],
    ["id an object", env(`${v},"id":{},${m}`), invalid],
    ["id an array", env(`${v},"id":[1],${m}`), invalid],
    ["id true", env(`${v},"id":true,${m}`), invalid],
    ["id 1e400 (infinite)", env(`${v},"id":1e400,${m}`), invalid],
    ["id -1e400", env(`${v},"id":-1e400,${m}`), invalid],
    ["id 2^300 (finite)", env(`${v},"id":${(1n << 300n).toString()},${m}`), resultOr()],
    ["id a 10k-char string", env(`${v},"id":"${"i".repeat(10_000)}",${m}`), resultOr()],
    ["id a fraction", env(`${v},"id":1.5,${m}`), resultOr()],
    ["id negative", env(`${v},"id":-7,${m}`), resultOr()],
    ["id null", env(`${v},"id":null,${m}`), resultOr()],
    ["method missing", env(`${v},"id":1`), invalid],
    ["method a number", env(`${v},"id":1,"method":42`), invalid],
    ["method null", env(`${v},"id":1,"method":null`), invalid],
    ["method an object", env(`${v},"id":1,"method":{}`), invalid],
    ["method an array", env(`${v},"id":1,"method":["eth_chainId"]`), invalid],
    ["method true", env(`${v},"id":1,"method":true`), invalid],
    ["params a number", env(`${v},"id":1,${m},"params":1`), invalid],
    ["params true", env(`${v},"id":1,${m},"params":true`), invalid],
    ["params a string", env(`${v},"id":1,${m},"params":"[]"`), invalid],
    ["params null", env(`${v},"id":1,${m},"params":null`), error(Code.InvalidParams)],
    ["a notification of a known method", env(`${v},${m}`), statusOnly(204)],
    ["a notification of an unknown method", env(`${v},"method":"nope"`), statusOnly(204)],
    ["a notification with bad params", env(`${v},"method":"eth_getBalance","params":[42]`), statusOnly(204)],
    ["a top-level number", "1", invalid],
    ["a top-level string", '"eth_chainId"', invalid],
    ["a top-level true", "true", invalid],
    ["a top-level null", "null", invalid],
    ["an empty object", "{}", invalid],
    ["an empty batch", "[]", invalid],
    ["duplicate keys, the last one wins", env(`${v},"id":1,"method":"nope",${m}`), resultOr()],
    ["__proto__ key", env(`${v},"id":1,${m},"__proto__":{"jsonrpc":"1.0"}`), resultOr()],
    ["constructor method", env(`${v},"id":1,"method":"constructor"`), error(Code.MethodNotFound)],
  ];
  return list.map(([name, body, expect]) => http("envelope", name, body, expect));
}

function unknownMethodCases(): HttpCase[] {
  const names = [
    "eth_nope",
    "eth_sendTransaction",
    "eth_sign",
    "eth_signTransaction",
    "eth_signTypedData_v4",
    "eth_coinbase",
    "eth_mining",
    "eth_hashrate",
    "eth_getProof",
    "eth_createAccessList",
    "debug_traceTransaction",
    "debug_setHead",
    "admin_peers",
    "admin_addPeer",
    "admin_nodeInfo",
    "personal_unlockAccount",
    "personal_sign",
    "miner_start",
    "miner_setEtherbase",
    "txpool_nope",
    "les_serverInfo",
    "outrigger_nope",
    "outrigger_",
    "outrigger_submitDepositclaim",
    "OUTRIGGER_STATUS",
    "ETH_CHAINID",
    "eth_chainId ",
    " eth_chainId",
    "eth_chainid",
    "eth_chainId\u0000",
    "",
    " ",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "rpc.discover",
    "rpc_modules",
    "system.listMethods",
    "eth_\u202echainId",
    "eth_😀",
    "x".repeat(10_000),
  ];
  return names.map((name) =>
    http(
      "unknown-methods",
      `method ${JSON.stringify(name.length > 30 ? `${name.slice(0, 30)}...` : name)}`,
      request(name, []),
      error(Code.MethodNotFound),
    ),
  );
}

function nestingCases(): HttpCase[] {
  const depth = 100_000;
  return [
    http("deep-nesting", `${depth} unclosed [`, "[".repeat(depth), error(Code.Parse)),
    http("deep-nesting", `${depth} unclosed {"a":`, '{"a":'.repeat(depth), error(Code.Parse)),
    // A batch of one element: an array, not a request.
    http(
      "deep-nesting",
      `${depth} nested arrays`,
      "[".repeat(depth) + "]".repeat(depth),
      batchOf(1, [Code.InvalidRequest], false),
    ),
    http(
      "deep-nesting",
      `${depth} nested objects`,
      `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
      error(Code.InvalidRequest),
    ),
    http(
      "deep-nesting",
      `params nested ${depth} deep`,
      request("eth_getLogs", ["[".repeat(depth) + "]".repeat(depth)]),
      error(Code.InvalidParams),
    ),
    http(
      "deep-nesting",
      `a call object nested ${depth} deep`,
      request("eth_call", [`${'{"to":'.repeat(depth)}1${"}".repeat(depth)}`]),
      error(Code.InvalidParams),
    ),
    http(
      "deep-nesting",
      `an id nested ${depth} deep`,
      `{"jsonrpc":"2.0","id":${"[".repeat(depth)}${"]".repeat(depth)},"method":"eth_chainId"}`,
      error(Code.InvalidRequest),
    ),
    http(
      "deep-nesting",
      `eth_subscribe's filter nested ${depth} deep (HTTP)`,
      request("eth_subscribe", ['"logs"', `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`]),
      error(Code.MethodNotFound),
    ),
    http(
      "deep-nesting",
      `a deposit claim nested ${depth} deep`,
      request("outrigger_submitDepositClaim", [`${'{"nonce":'.repeat(depth)}1${"}".repeat(depth)}`]),
      error(Code.InvalidParams),
    ),
  ];
}

function batch(n: number, item: (i: number) => string): string {
  return `[${Array.from({ length: n }, (_, i) => item(i)).join(",")}]`;
}

function batchCases(): HttpCase[] {
  const { maxBatch } = LIMITS;
  const chainId = (i: number) => request("eth_chainId", [], i);
  const over = error(Code.InvalidRequest);
  return [
    http("batches", `${maxBatch + 1} requests`, batch(maxBatch + 1, chainId), over),
    http("batches", "1,000 requests", batch(1_000, chainId), over),
    http(
      "batches",
      "20,000 empty objects",
      batch(20_000, () => "{}"),
      over,
    ),
    http(
      "batches",
      "100,000 zeros",
      batch(100_000, () => "0"),
      over,
    ),
    http(
      "batches",
      "101 notifications",
      batch(maxBatch + 1, () => '{"jsonrpc":"2.0","method":"eth_chainId"}'),
      over,
    ),
    http("batches", `${maxBatch} requests`, batch(maxBatch, chainId), batchOf(maxBatch, [], true)),
    http(
      "batches",
      `${maxBatch} numbers`,
      batch(maxBatch, (i) => `${i}`),
      batchOf(maxBatch, [Code.InvalidRequest], false),
    ),
    http(
      "batches",
      `${maxBatch} unknown methods`,
      batch(maxBatch, (i) => request(`nope_${i}`, [], i)),
      batchOf(maxBatch, [Code.MethodNotFound], false),
    ),
    http(
      "batches",
      `${maxBatch} full blocks`,
      batch(maxBatch, (i) => request("eth_getBlockByNumber", ['"latest"', "true"], i)),
      batchOf(maxBatch, [], true),
    ),
    http(
      "batches",
      "a mix of good and bad",
      `[${VALID},1,"x",{},${request("nope", [])},${request("eth_getBalance", ["42"])},{not`,
      error(Code.Parse),
    ),
    http(
      "batches",
      "a mix of good and bad, well-formed",
      `[${VALID},1,"x",{},${request("nope", [], 2)},${request("eth_getBalance", ["42"], 3)}]`,
      batchOf(6, [Code.InvalidRequest, Code.MethodNotFound, Code.InvalidParams], true),
    ),
    http(
      "batches",
      "a batch of batches",
      batch(3, () => `[${VALID}]`),
      batchOf(3, [Code.InvalidRequest], false),
    ),
    http(
      "batches",
      "only notifications",
      batch(5, () => '{"jsonrpc":"2.0","method":"eth_chainId"}'),
      statusOnly(204),
    ),
    http(
      "batches",
      `${maxBatch} invalid transactions`,
      batch(maxBatch, (i) =>
        request("eth_sendRawTransaction", [`"0x${i.toString(16).padStart(2, "0")}c0"`], i),
      ),
      batchOf(maxBatch, [Code.Server, Code.TxRejected, Code.Limit], false),
    ),
  ];
}

function oversizedCases(): HttpCase[] {
  const { maxBodyBytes } = LIMITS;
  const padded = (size: number) => {
    const body = request("eth_chainId", []);
    return `${body.slice(0, -1)}${" ".repeat(size - body.length)}}`;
  };
  return [
    http("oversized", "a body of exactly the limit", padded(maxBodyBytes), resultOr()),
    http("oversized", "one byte over the limit", padded(maxBodyBytes + 1), statusOnly(413)),
    http(
      "oversized",
      "a 2 MiB raw transaction",
      request("eth_sendRawTransaction", [`"0x${"ab".repeat(1024 * 1024)}"`]),
      statusOnly(413),
    ),
    http("oversized", "2 MiB of spaces", " ".repeat(2 * maxBodyBytes), statusOnly(413)),
    http(
      "oversized",
      "a 1.5 MiB batch",
      batch(30_000, (i) => request("eth_chainId", [], i)),
      statusOnly(413),
    ),
    http(
      "oversized",
      "a raw transaction just under the body limit",
      request("eth_sendRawTransaction", [`"0x${"ab".repeat(maxBodyBytes / 2 - 100)}"`]),
      error(Code.TxRejected),
    ),
  ];
}

function httpMiscCases(): HttpCase[] {
  const at = (
    name: string,
    method: string,
    path: string,
    body: string,
    expect: HttpCase["expect"],
  ): HttpCase => ({
    transport: "http",
    family: "http",
    name,
    method,
    path,
    body,
    expect,
  });
  return [
    at("GET /", "GET", "/", "", statusOnly(405)),
    at("PUT /", "PUT", "/", VALID, statusOnly(405)),
    at("DELETE /", "DELETE", "/", "", statusOnly(405)),
    at("POST to an unknown path", "POST", "/rpc", VALID, statusOnly(404)),
    at("POST to a traversal path", "POST", "/../../etc/passwd", VALID, statusOnly(404)),
    at("GET /health", "GET", "/health", "", statusOnly(200)),
    at("POST with a query string", "POST", "/?x=1", VALID, resultOr()),
    {
      ...at("POST as text/plain", "POST", "/", VALID, resultOr()),
      headers: { "content-type": "text/plain" },
    },
    {
      ...at("POST with a huge made-up header", "POST", "/", VALID, resultOr()),
      headers: { "x-junk": "j".repeat(8_000) },
    },
  ];
}

const WS_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

function upgrade(path: string, headers: string, method = "GET"): string {
  return `${method} ${path} HTTP/1.1\r\nHost: node\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n`;
}

function socketCases(): SocketCase[] {
  const post = (body: string, extra = "") =>
    `POST / HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`;
  const list: [string, string | Uint8Array, number[][]][] = [
    ["not HTTP at all", "GARBAGE\r\n\r\n", [[400]]],
    ["binary junk", Uint8Array.from({ length: 256 }, (_, i) => (i * 7919) % 256), [[400]]],
    [
      "a TLS client hello on the plain port",
      Uint8Array.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]),
      [[400]],
    ],
    ["a negative Content-Length", "POST / HTTP/1.1\r\nHost: node\r\nContent-Length: -1\r\n\r\n", [[400]]],
    [
      "two different Content-Lengths",
      "POST / HTTP/1.1\r\nHost: node\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
      [[400]],
    ],
    [
      "Content-Length and chunked together",
      `POST / HTTP/1.1\r\nHost: node\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      [[400]],
    ],
    [
      "bad chunk sizes",
      "POST / HTTP/1.1\r\nHost: node\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
      [[400]],
    ],
    [
      "64 KiB of headers",
      `POST / HTTP/1.1\r\nHost: node\r\nX-Big: ${"b".repeat(64 * 1024)}\r\n\r\n`,
      [[431]],
    ],
    ["a header without a colon", "POST / HTTP/1.1\r\nHost: node\r\nNoColonHere\r\n\r\n", [[400]]],
    // Read as an HTTP/0.9-style request with an empty body: a parse error.
    ["a request line without a version", "POST /\r\n\r\n", [[200]]],
    ["an unknown HTTP version", "POST / HTTP/9.9\r\nHost: node\r\n\r\n", [[400]]],
    ["an unknown protocol", "POST / FOO/1.1\r\n\r\n", [[400]]],
    ["a Content-Length of 1e3", "POST / HTTP/1.1\r\nHost: node\r\nContent-Length: 1e3\r\n\r\n", [[400]]],
    ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", [[400]]],
    [
      "a valid request over HTTP/1.0",
      `POST / HTTP/1.0\r\nContent-Length: ${VALID.length}\r\n\r\n${VALID}`,
      [[200]],
    ],
    [
      "a valid request sent chunked",
      `POST / HTTP/1.1\r\nHost: node\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${VALID.length.toString(16)}\r\n${VALID}\r\n0\r\n\r\n`,
      [[200]],
    ],
    [
      "two pipelined requests",
      `${post(VALID).replace("Connection: close\r\n", "")}${post(request("nope", []))}`,
      [[200, 200]],
    ],
    [
      "a WebSocket upgrade with a bad key",
      upgrade("/", "Sec-WebSocket-Key: bad\r\nSec-WebSocket-Version: 13\r\n"),
      [[400]],
    ],
    [
      "a WebSocket upgrade of an unknown version",
      upgrade("/", `Sec-WebSocket-Key: ${WS_KEY}\r\nSec-WebSocket-Version: 99\r\n`),
      [[400], [426]],
    ],
    [
      "a WebSocket upgrade to an unknown path",
      upgrade("/nope", `Sec-WebSocket-Key: ${WS_KEY}\r\nSec-WebSocket-Version: 13\r\n`),
      [[404]],
    ],
    [
      "a WebSocket upgrade by POST",
      upgrade("/", `Sec-WebSocket-Key: ${WS_KEY}\r\nSec-WebSocket-Version: 13\r\n`, "POST"),
      [[400], [405]],
    ],
    [
      "a declared 10 MiB body that never comes",
      "POST / HTTP/1.1\r\nHost: node\r\nContent-Length: 10485760\r\nConnection: close\r\n\r\n{",
      [[413]],
    ],
    // The leftover bytes are a malformed second request: its 400 may come instead of the first answer.
    [
      "a body longer than declared",
      post(VALID).replace(`Content-Length: ${VALID.length}`, `Content-Length: ${VALID.length - 5}`),
      [[200, 400], [400]],
    ],
  ];
  return list.map(([name, bytes, statuses]) => ({
    transport: "socket",
    family: "raw-http",
    name,
    bytes,
    expect: { statuses },
  }));
}

const text = (data: string): WsFrame => ({ data, binary: false });

function wsCases(): WsCase[] {
  const garbage = ["{not json", "", "[", "null]", "\ufeff{}", "x".repeat(100_000), "[".repeat(100_000)];
  const cases: WsCase[] = [
    {
      transport: "ws",
      family: "websocket",
      name: "garbage text frames",
      frames: garbage.map(text),
      expect: { errorCodes: garbage.map(() => Code.Parse), results: 0 },
    },
    {
      transport: "ws",
      family: "websocket",
      name: "garbage binary frames",
      frames: [1, 16, 1000].map((n) => ({
        data: Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) % 256),
        binary: true,
      })),
      expect: { errorCodes: [Code.Parse, Code.Parse, Code.Parse], results: 0 },
    },
    {
      transport: "ws",
      family: "websocket",
      name: "a valid request in a binary frame",
      frames: [{ data: new TextEncoder().encode(VALID), binary: true }],
      expect: { errorCodes: [], results: 1 },
    },
    {
      transport: "ws",
      family: "websocket",
      name: "bad envelopes and params",
      frames: [
        text("1"),
        text("{}"),
        text('{"jsonrpc":"2.0","id":1,"method":42}'),
        text(request("nope", [])),
        text(request("eth_getBalance", ["42"])),
        text(request("eth_subscribe", ['"nope"'])),
        text(request("eth_subscribe", ['"newHeads"', "{}"])),
        text(request("eth_subscribe", ['"logs"', '{"address":"0x12"}'])),
        text(request("eth_unsubscribe", ['"0xdead"'])),
        text(request("eth_unsubscribe", ["42"])),
        text(batch(LIMITS.maxBatch + 1, (i) => request("eth_chainId", [], i))),
      ],
      expect: {
        errorCodes: [
          Code.InvalidRequest,
          Code.InvalidRequest,
          Code.InvalidRequest,
          Code.MethodNotFound,
          Code.InvalidParams,
          Code.InvalidParams,
          Code.InvalidParams,
          Code.InvalidParams,
          Code.InvalidParams,
          Code.InvalidRequest,
        ],
        results: 1,
      },
    },
    {
      transport: "ws",
      family: "websocket",
      name: `${LIMITS.maxSubscriptionsPerConnection + 3} subscriptions on one connection`,
      frames: Array.from({ length: LIMITS.maxSubscriptionsPerConnection + 3 }, (_, i) =>
        text(request("eth_subscribe", ['"newHeads"'], i)),
      ),
      expect: {
        errorCodes: [Code.Limit, Code.Limit, Code.Limit],
        results: LIMITS.maxSubscriptionsPerConnection,
      },
    },
    {
      transport: "ws",
      family: "websocket",
      name: "200 requests at once on one connection",
      frames: Array.from({ length: 200 }, (_, i) => text(request("eth_blockNumber", [], i))),
      expect: { errorCodes: [], results: 200 },
    },
    {
      transport: "ws",
      family: "websocket",
      name: "invalid UTF-8 in a text frame",
      frames: [{ data: Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), binary: false }],
      expect: { closeCode: 1007 },
    },
    {
      transport: "ws",
      family: "websocket",
      name: "a frame over the size limit",
      frames: [text(" ".repeat(LIMITS.maxBodyBytes + 1))],
      expect: { closeCode: 1009 },
    },
  ];
  return cases;
}

function wsConnectionsCase(): WsConnectionsCase {
  const excess = 8;
  return {
    transport: "ws-connections",
    family: "websocket",
    name: `${LIMITS.maxWsConnections + excess} connections at once`,
    connections: LIMITS.maxWsConnections + excess,
    minRefused: excess,
  };
}

function slowLorisCase(opts: CorpusOptions): SlowLorisCase[] {
  if (opts.slowLorisSockets <= 0) return [];
  return [
    {
      transport: "slowloris",
      family: "slow-loris",
      name: `${opts.slowLorisSockets} connections sending headers a byte a second`,
      trickle: "headers",
      sockets: opts.slowLorisSockets,
      closeWithinMs: opts.slowLorisCloseWithinMs,
    },
    {
      transport: "slowloris",
      family: "slow-loris",
      name: `${Math.ceil(opts.slowLorisSockets / 5)} connections sending a body a byte a second`,
      trickle: "body",
      sockets: Math.ceil(opts.slowLorisSockets / 5),
      closeWithinMs: opts.slowLorisCloseWithinMs,
    },
  ];
}

export function buildCorpus(opts: CorpusOptions): HostileCase[] {
  return [
    ...slowLorisCase(opts),
    ...badJsonCases(),
    ...envelopeCases(),
    ...unknownMethodCases(),
    ...controlCases(),
    ...badParamCases(),
    ...edgeCases(),
    ...nestingCases(),
    ...batchCases(),
    ...oversizedCases(),
    ...httpMiscCases(),
    ...txCases(opts),
    ...socketCases(),
    ...wsCases(),
    wsConnectionsCase(),
  ];
}
