import { getBytes, Transaction } from "ethers";
import fc from "fast-check";
import { toAddress } from "../../node/crypto/index.ts";
import { RPC_DEFAULTS } from "../../node/rpc/defaults.ts";
import { createDispatcher, type Dispatcher } from "../../node/rpc/dispatch.ts";
import { RpcErrorCode } from "../../node/rpc/errors.ts";
import { FilterRegistry } from "../../node/rpc/filters.ts";
import { allMethods, type ConnectionContext, type SubscriptionHost } from "../../node/rpc/methods/index.ts";
import { ConcurrencyGate } from "../../node/util/concurrencyGate.ts";
import { ethClaim } from "../helpers/deposits.ts";
import { FakeRpcBackend, testWallets } from "../helpers/rpcBackend.ts";
import { RecordingLogger } from "../helpers/rpcServer.ts";
import { asyncTarget, FuzzFailure, type FuzzTarget, SLOW_INPUT_MS, tally } from "./harness.ts";
import { editJson } from "./jsonEdit.ts";

/**
 * JSON-RPC through the dispatcher every transport shares (node/rpc/dispatch.ts), with every method of
 * allMethods() answering from a fake backend holding a few blocks. Whatever the body, the answer is JSON-RPC
 * whose errors carry a code a method declares; -32603 "internal error" is what the dispatcher makes of an
 * exception that escaped a method, so it counts as a crash, and so does any error it logged.
 */

/** The codes an answer may carry (node/rpc/errors.ts RpcErrorCode, less Internal). */
const ALLOWED_CODES: ReadonlySet<number> = new Set(
  Object.values(RpcErrorCode).filter((code) => code !== RpcErrorCode.Internal),
);

export const METHOD_NAMES: readonly string[] = [...allMethods().keys()];

interface RpcHarness {
  dispatcher: Dispatcher;
  ctx: ConnectionContext;
  backend: FakeRpcBackend;
  logger: RecordingLogger;
}

/** A WebSocket connection's subscriptions, as far as eth_subscribe's params reach them. */
const subscriptions: SubscriptionHost = {
  subscribe: () => "0x1",
  unsubscribe: () => false,
};

/** A chain of two blocks: a deposit in the first, a transfer in the second. */
async function createHarness(): Promise<RpcHarness> {
  const [wallet] = testWallets(1);
  if (wallet === undefined) throw new Error("no test wallet");
  const backend = new FakeRpcBackend({ alloc: { [toAddress(wallet.address)]: 10n ** 21n } });
  backend.mine([ethClaim(1n, 5n)]);
  const transfer = await wallet.signTransaction({
    type: 2,
    chainId: backend.chain.chainId,
    nonce: 0,
    to: ADDRESS,
    value: 1n,
    gasLimit: 21_000n,
    maxFeePerGas: 2n * 10n ** 9n,
    maxPriorityFeePerGas: 1n,
  });
  const sent = await backend.sendRawTransaction(getBytes(transfer));
  if (!sent.ok) throw new Error(`the harness transfer was refused: ${sent.message}`);
  backend.mine();
  const logger = new RecordingLogger();
  const dispatcher = createDispatcher(
    allMethods(),
    { maxBatch: 20, maxResponseBytes: 1_000_000, requestTimeoutMs: RPC_DEFAULTS.requestTimeoutMs },
    { logger },
  );
  const ctx: ConnectionContext = {
    backend,
    limits: { maxLogBlockRange: 10_000, maxLogResults: 10_000, maxFeeHistoryBlocks: 1024 },
    subscriptions,
    heavyCalls: new ConcurrencyGate({ maxRunning: 2, maxWaiting: 64 }),
    filters: new FilterRegistry(
      {
        timeoutMs: RPC_DEFAULTS.filterTimeoutMs,
        maxPerClient: RPC_DEFAULTS.maxFiltersPerClient,
        maxTotal: RPC_DEFAULTS.maxFilters,
        maxPendingHashes: RPC_DEFAULTS.maxPendingFilterHashes,
        sweepIntervalMs: RPC_DEFAULTS.filterSweepIntervalMs,
        exemptLoopback: false,
      },
      { backend },
    ),
    client: "203.0.113.7",
  };
  return { dispatcher, ctx, backend, logger };
}

const ADDRESS = `0x${"ab".repeat(20)}`;
const HARNESS = await createHarness();

const hexArb = fc
  .tuple(fc.uint8Array({ maxLength: 40 }), fc.boolean())
  .map(([b, odd]) => `0x${Buffer.from(b).toString("hex")}${odd ? "f" : ""}`);

const quantityArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 300n }).map((n) => `0x${n.toString(16)}`),
  fc.constantFrom("0x", "0x0", "0x00", "0x-1", "-0x1", "0xg", "1", "0X1", " 0x1"),
);

/** Values JSON-RPC params are made of, weighted toward what the methods' schemas look for. */
const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    2 ** 53 + 1,
    1e308,
    -0,
    "",
    "latest",
    "pending",
    "earliest",
    "safe",
    "finalized",
    "newHeads",
    "logs",
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  hexArb,
  quantityArb,
  fc.string({ maxLength: 20 }),
  fc.string({ minLength: 1000, maxLength: 20_000 }).map((s) => s.repeat(3)),
);

const KEYS = [
  "from",
  "to",
  "data",
  "input",
  "value",
  "gas",
  "gasPrice",
  "maxFeePerGas",
  "nonce",
  "fromBlock",
  "toBlock",
  "blockHash",
  "address",
  "topics",
  "nonce",
  "l1Token",
  "amount",
  "name",
  "symbol",
  "decimals",
  "l1TxHash",
  "blockNumber",
  "type",
  "accessList",
  "chainId",
  "__proto__",
  "constructor",
];

const valueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafArb,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie("value"), { maxKeys: 6 }),
  ),
})).value;

/** Nesting deeper than any recursive reader would like, as JSON text (JSON.stringify itself would overflow). */
const deepTextArb = fc
  .tuple(fc.integer({ min: 10, max: 20_000 }), fc.boolean())
  .map(([depth, asObject]) =>
    asObject ? `${'{"to":'.repeat(depth)}1${"}".repeat(depth)}` : `${"[".repeat(depth)}1${"]".repeat(depth)}`,
  );

/** A real transaction's bytes, so eth_sendRawTransaction's paths past decoding are reached too. */
const rawTxArb = fc
  .record({
    nonce: fc.nat({ max: 3 }),
    gasLimit: fc.bigInt({ min: 0n, max: 100_000n }),
    value: fc.bigInt({ min: 0n, max: 10n ** 22n }),
  })
  .map((f) => {
    const tx = Transaction.from({
      ...f,
      type: 2,
      chainId: 7447n,
      to: `0x${"11".repeat(20)}`,
      maxFeePerGas: 2n * 10n ** 9n,
      maxPriorityFeePerGas: 1n,
    });
    return tx.unsignedSerialized;
  });

const TOKEN_CALL = `0x70a08231${"00".repeat(12)}${"ab".repeat(20)}`;

/** Params each method takes, valid against the fake backend's chain: what the edits below start from. */
function validParams(h: RpcHarness): Readonly<Record<string, unknown[][]>> {
  const hash = h.backend.blocks[0]?.hash ?? `0x${"00".repeat(32)}`;
  const txHash = h.backend.blocks[1]?.receipts[0]?.txHash ?? hash;
  const call = { from: ADDRESS, to: ADDRESS, data: TOKEN_CALL, value: "0x0", gas: "0x5208" };
  const filter = { fromBlock: "0x1", toBlock: "latest", address: ADDRESS, topics: [null, [hash]] };
  return {
    eth_getBalance: [
      [ADDRESS, "latest"],
      [ADDRESS, "0x1"],
      [ADDRESS, { blockHash: hash }],
    ],
    eth_getTransactionCount: [[ADDRESS, "pending"]],
    eth_getCode: [[ADDRESS]],
    eth_getStorageAt: [[ADDRESS, "0x0", "latest"]],
    eth_call: [[call, "latest"]],
    eth_estimateGas: [[call]],
    eth_getTransactionByHash: [[txHash]],
    eth_getTransactionReceipt: [[txHash]],
    eth_getBlockByNumber: [
      ["0x1", true],
      ["latest", false],
    ],
    eth_getBlockByHash: [[hash, true]],
    eth_getBlockTransactionCountByNumber: [["0x1"]],
    eth_getBlockTransactionCountByHash: [[hash]],
    eth_getTransactionByBlockNumberAndIndex: [["0x1", "0x0"]],
    eth_getTransactionByBlockHashAndIndex: [[hash, "0x0"]],
    eth_getBlockReceipts: [["0x1"]],
    eth_getLogs: [[filter], [{ blockHash: hash }]],
    eth_feeHistory: [["0x4", "latest", [25, 75]]],
    eth_subscribe: [["newHeads"], ["logs", { address: ADDRESS }]],
    eth_unsubscribe: [["0x1"]],
    web3_sha3: [["0x1234"]],
    outrigger_validators: [["0x1"]],
    outrigger_commit: [["0x1"]],
    outrigger_checkpoint: [["latest"]],
    outrigger_checkpoints: [["0x1", "0x2"]],
    outrigger_deposit: [["0x1"]],
    outrigger_evidence: [["0x1"]],
    outrigger_txStatus: [[txHash]],
    outrigger_submitDepositClaim: [
      [
        {
          nonce: "0x7",
          token: ADDRESS,
          from: ADDRESS,
          to: ADDRESS,
          amount: "0x10",
          name: "Ether",
          symbol: "ETH",
          decimals: 18,
          l1TxHash: hash,
        },
      ],
    ],
    outrigger_withdrawalProof: [["0x1"]],
  };
}

const VALID_PARAMS = validParams(HARNESS);

/** A method's valid params with a few leaves replaced by wrong values or removed. */
const editedParamsArb = fc
  .tuple(
    fc.constantFrom(...Object.keys(VALID_PARAMS)),
    fc.nat(),
    fc.array(fc.record({ path: fc.nat(), value: valueArb, remove: fc.boolean() }), { maxLength: 3 }),
  )
  .map(([method, pick, edits]) => {
    const options = VALID_PARAMS[method] ?? [[]];
    const params = options[pick % options.length] ?? [];
    return { method, params: edits.reduce<unknown>(editJson, params) };
  });

const paramsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.oneof(valueArb, rawTxArb), { maxLength: 4 }) },
  { weight: 1, arbitrary: valueArb },
);

/** Params as JSON text: generated values, or one deeply nested param among them. */
const paramsTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: paramsArb.map(stringify) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.array(valueArb, { maxLength: 2 }), deepTextArb)
      .map(([before, deep]) => `[${[...before.map(stringify), deep].join(",")}]`),
  },
);

const requestArb = fc.record(
  {
    jsonrpc: fc.oneof({ weight: 9, arbitrary: fc.constant("2.0") }, { weight: 1, arbitrary: valueArb }),
    id: fc.oneof(fc.nat(), fc.string({ maxLength: 8 }), fc.constant(null), valueArb),
    method: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom(...METHOD_NAMES) },
      { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
    ),
    params: paramsArb,
  },
  { requiredKeys: ["method"] },
);

/** Whole bodies: requests, batches, and text that is barely or not JSON. */
const bodyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: requestArb.map(stringify) },
  { weight: 2, arbitrary: fc.array(requestArb, { maxLength: 25 }).map(stringify) },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(requestArb.map(stringify), fc.nat(), fc.string({ maxLength: 4 }))
      .map(
        ([text, at, insert]) =>
          text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1)),
      ),
  },
);

function stringify(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)) ?? "null";
}

function checkResponse(body: string, text: string | null, h: RpcHarness, height: number): void {
  const errors = h.logger.errors();
  if (errors.length > 0) {
    h.logger.entries.length = 0;
    throw new FuzzFailure(
      `the dispatcher logged an error: ${stringify(errors[0])} for ${body.slice(0, 300)}`,
    );
  }
  h.logger.entries.length = 0;
  if (h.backend.headHeight() !== height) throw new FuzzFailure("a request changed the chain");
  if (text === null) return;
  const parsed: unknown = JSON.parse(text);
  for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
    const m = message as { jsonrpc?: unknown; error?: { code?: unknown } };
    if (m.jsonrpc !== "2.0") throw new FuzzFailure(`not a JSON-RPC response: ${text.slice(0, 200)}`);
    tally("rpc answer", m.error === undefined ? "result" : String(m.error.code));
    if (m.error === undefined) continue;
    if (typeof m.error.code !== "number" || !ALLOWED_CODES.has(m.error.code))
      throw new FuzzFailure(`error code ${String(m.error.code)} for ${body.slice(0, 300)}`);
  }
}

async function dispatch(body: string): Promise<void> {
  const h = HARNESS;
  const height = h.backend.headHeight();
  const started = performance.now();
  let text: string | null;
  try {
    text = (await h.dispatcher.handle(body, h.ctx)).body;
  } catch (err) {
    throw new FuzzFailure(`the dispatcher threw for ${body.slice(0, 300)}`, { cause: err });
  }
  if (performance.now() - started > SLOW_INPUT_MS)
    throw new FuzzFailure(`slow request: ${body.slice(0, 300)}`);
  checkResponse(body, text, h, height);
}

export const rpcTargets: FuzzTarget[] = [
  asyncTarget("rpc edited valid params", 3, fc.tuple(editedParamsArb, fc.nat()), ([{ method, params }, id]) =>
    dispatch(stringify({ jsonrpc: "2.0", id, method, params })),
  ),
  asyncTarget(
    "rpc params (every method)",
    3,
    fc.tuple(fc.constantFrom(...METHOD_NAMES), paramsTextArb, fc.nat()),
    ([method, params, id]) =>
      dispatch(`{"jsonrpc":"2.0","id":${id},"method":${stringify(method)},"params":${params}}`),
  ),
  asyncTarget("rpc bodies", 1, bodyArb, dispatch),
];
