import { Code, error, type HttpCase, request, resultOr } from "./cases.ts";

/**
 * Every method the node serves with the kinds of its positional params, and for each kind a valid value and values
 * that are never valid for it (raw JSON text, so huge numbers reach the node verbatim).
 */

type Kind =
  | "address"
  | "hash"
  | "quantity"
  | "index"
  | "blockRef"
  | "numberOrTag"
  | "bool"
  | "data"
  | "call"
  | "logFilter"
  | "feeCount"
  | "percentiles"
  | "height"
  | "checkpointNumber"
  | "checkpointFrom"
  | "checkpointCount"
  | "uint"
  | "subscriptionType"
  | "subscriptionId"
  | "anything"
  | "claim";

interface MethodSpec {
  name: string;
  params: readonly Kind[];
  /** How many leading params are required. */
  required: number;
  /** What the method answers to valid params on a node without an L1 (a result unless said). */
  control?: HttpCase["expect"];
}

const hex = (digits: number, char = "f") => `"0x${char.repeat(digits)}"`;
const TWO_POW_300 = (1n << 300n).toString(10);
const ADDRESS = '"0x000000000000000000000000000000000000dEaD"';
const HASH = `"0x${"00".repeat(32)}"`;

/** Numbers and shapes no param of any kind takes. */
const UNIVERSAL_BAD = [
  "true",
  "{}",
  "[]",
  "-1",
  "1.5",
  "1e400",
  TWO_POW_300,
  '"nothere"',
  '"-0x1"',
  hex(10_000),
] as const;

const HEX_STRING_BAD = [...UNIVERSAL_BAD.filter((v) => v !== "{}"), "{}", "42", '"0x"', '"0xzz"'];

const HEIGHT_BAD = [...UNIVERSAL_BAD, '"Latest"', '"0x"', hex(80), '"0x20000000000000"'];

export const CLAIM = {
  nonce: "1000000",
  token: "0x000000000000000000000000000000000000dead",
  from: "0x000000000000000000000000000000000000beef",
  to: "0x000000000000000000000000000000000000cafe",
  amount: "1000000000000000000",
  name: "Forged",
  symbol: "FRG",
  decimals: 18,
  l1TxHash: `0x${"ab".repeat(32)}`,
};

const claimWith = (patch: Record<string, unknown>): string => JSON.stringify({ ...CLAIM, ...patch });
const claimWithout = (field: keyof typeof CLAIM): string => {
  const { [field]: _dropped, ...rest } = CLAIM;
  return JSON.stringify(rest);
};

const KINDS: Record<Kind, { good: string; bad: readonly string[] }> = {
  address: {
    good: ADDRESS,
    bad: [...HEX_STRING_BAD, hex(39), hex(41), `"0x${"z".repeat(40)}"`, `"${"0".repeat(42)}"`, "null"],
  },
  hash: {
    good: HASH,
    bad: [...HEX_STRING_BAD, hex(63), hex(65), `"0x${"g".repeat(64)}"`, "null"],
  },
  quantity: {
    good: '"0x0"',
    bad: [...HEX_STRING_BAD, '"1"', `"0x1${"0".repeat(64)}"`, "null"],
  },
  index: {
    good: '"0x0"',
    bad: [...HEX_STRING_BAD, '"1"', '"0x20000000000000"', "null"],
  },
  blockRef: {
    good: '"latest"',
    bad: [
      ...HEX_STRING_BAD,
      '"Latest"',
      hex(80),
      '"0x20000000000000"',
      `"0x${"z".repeat(64)}"`,
      `{"blockNumber":"0x1","blockHash":${HASH}}`,
      '{"blockHash":"0x12"}',
      `{"blockHash":${HASH},"requireCanonical":"yes"}`,
      `{"blockNumber":${HASH}}`,
    ],
  },
  numberOrTag: {
    good: '"latest"',
    bad: [...HEX_STRING_BAD, '"Latest"', hex(80), '"0x20000000000000"', HASH, `{"blockHash":${HASH}}`],
  },
  bool: {
    good: "false",
    bad: ['"true"', "1", "0", '"0x1"', "{}", "[]", "1e400", TWO_POW_300],
  },
  data: {
    good: '"0x"',
    // 10,000 hex digits are valid data: an odd count is not.
    bad: [
      ...HEX_STRING_BAD.filter((v) => v !== '"0x"' && v !== hex(10_000)),
      hex(10_001),
      '"0x1"',
      '"dead"',
      '"0xgg"',
      "null",
    ],
  },
  call: {
    good: "{}",
    bad: [
      ...UNIVERSAL_BAD.filter((v) => v !== "{}"),
      "42",
      '{"to":"0x12"}',
      '{"value":"-1"}',
      '{"gas":21000}',
      '{"data":"0x1"}',
      '{"data":"0x12","input":"0x34"}',
      '{"gasPrice":"0x1","maxFeePerGas":"0x1"}',
      '{"from":42}',
      `{"value":${hex(80)}}`,
      `{"value":${hex(10_000)}}`,
      `{"nonce":${TWO_POW_300}}`,
      "null",
    ],
  },
  logFilter: {
    good: "{}",
    bad: [
      ...UNIVERSAL_BAD.filter((v) => v !== "{}"),
      "42",
      '{"fromBlock":"0x2","toBlock":"0x1"}',
      '{"address":"0x12"}',
      '{"topics":[[[]]]}',
      '{"topics":[null,null,null,null,null]}',
      `{"blockHash":${HASH},"fromBlock":"0x1"}`,
      `{"address":[${Array.from({ length: 1025 }, () => ADDRESS).join(",")}]}`,
      `{"fromBlock":${hex(80)}}`,
      `{"toBlock":${TWO_POW_300}}`,
      '{"topics":"0x12"}',
      "null",
    ],
  },
  feeCount: { good: '"0x1"', bad: [...UNIVERSAL_BAD, hex(80), '"ten"', "null"] },
  percentiles: {
    good: "[25,75]",
    bad: [
      "[101]",
      "[-1]",
      "[50,10]",
      '"50"',
      '["a"]',
      `[${Array.from({ length: 101 }, () => 1).join(",")}]`,
      "{}",
      "true",
      "[1e400]",
    ],
  },
  height: { good: "1", bad: HEIGHT_BAD },
  checkpointNumber: { good: '"latest"', bad: [...HEIGHT_BAD, "null"] },
  checkpointFrom: { good: "0", bad: [...HEIGHT_BAD, '"latest"', "null"] },
  checkpointCount: { good: "1", bad: [...HEIGHT_BAD, "101", '"0x65"', "null"] },
  uint: {
    good: '"0"',
    bad: [
      ...UNIVERSAL_BAD,
      `"9${"9".repeat(78)}"`,
      `"2${"0".repeat(77)}"`,
      hex(65),
      '"01"',
      '"abc"',
      '"-1"',
      "null",
    ],
  },
  subscriptionType: { good: '"newHeads"', bad: ["42", "{}", "[]", "true", "null", TWO_POW_300] },
  anything: { good: "{}", bad: [] },
  subscriptionId: { good: '"0x1"', bad: ["42", "{}", "[]", "true", "null", `"${"a".repeat(129)}"`] },
  claim: {
    good: JSON.stringify(CLAIM),
    bad: [
      ...UNIVERSAL_BAD.filter((v) => v !== "{}"),
      "{}",
      "42",
      "null",
      claimWith({ extra: 1 }),
      claimWithout("l1TxHash"),
      claimWithout("nonce"),
      claimWith({ decimals: 256 }),
      claimWith({ decimals: -1 }),
      claimWith({ decimals: 1.5 }),
      claimWith({ amount: "-1" }),
      claimWith({ amount: (1n << 256n).toString() }),
      claimWith({ amount: 5 }),
      claimWith({ nonce: -1 }),
      claimWith({ nonce: `0x${"f".repeat(65)}` }),
      claimWith({ token: "0x12" }),
      claimWith({ name: "n".repeat(10_000) }),
      claimWith({ symbol: "s".repeat(10_000) }),
      claimWith({ name: "\ud800" }),
      claimWith({ from: null }),
      claimWith({ l1TxHash: "0x12" }),
    ],
  },
};

const SERVER_OR_RESULT = resultOr(Code.Server);

export const METHODS: readonly MethodSpec[] = [
  { name: "eth_chainId", params: [], required: 0 },
  { name: "eth_blockNumber", params: [], required: 0 },
  { name: "eth_syncing", params: [], required: 0 },
  { name: "eth_accounts", params: [], required: 0 },
  { name: "eth_gasPrice", params: [], required: 0 },
  { name: "eth_maxPriorityFeePerGas", params: [], required: 0 },
  { name: "eth_getBalance", params: ["address", "blockRef"], required: 1 },
  { name: "eth_getTransactionCount", params: ["address", "blockRef"], required: 1 },
  { name: "eth_getCode", params: ["address", "blockRef"], required: 1 },
  { name: "eth_getStorageAt", params: ["address", "quantity", "blockRef"], required: 2 },
  { name: "eth_call", params: ["call", "blockRef"], required: 1 },
  { name: "eth_estimateGas", params: ["call", "blockRef"], required: 1, control: resultOr(Code.Server, 3) },
  { name: "eth_sendRawTransaction", params: ["data"], required: 1, control: error(Code.TxRejected) },
  { name: "eth_getTransactionByHash", params: ["hash"], required: 1 },
  { name: "eth_getTransactionReceipt", params: ["hash"], required: 1 },
  { name: "eth_getBlockByNumber", params: ["numberOrTag", "bool"], required: 1 },
  { name: "eth_getBlockByHash", params: ["hash", "bool"], required: 1 },
  { name: "eth_getBlockTransactionCountByNumber", params: ["numberOrTag"], required: 1 },
  { name: "eth_getBlockTransactionCountByHash", params: ["hash"], required: 1 },
  { name: "eth_getTransactionByBlockNumberAndIndex", params: ["numberOrTag", "index"], required: 2 },
  { name: "eth_getTransactionByBlockHashAndIndex", params: ["hash", "index"], required: 2 },
  { name: "eth_getBlockReceipts", params: ["blockRef"], required: 1 },
  { name: "eth_getLogs", params: ["logFilter"], required: 1 },
  { name: "eth_feeHistory", params: ["feeCount", "numberOrTag", "percentiles"], required: 2 },
  // Over HTTP valid params are answered "notifications not supported", as geth does.
  {
    name: "eth_subscribe",
    params: ["subscriptionType", "anything"],
    required: 1,
    control: error(Code.MethodNotFound),
  },
  { name: "eth_unsubscribe", params: ["subscriptionId"], required: 1, control: error(Code.MethodNotFound) },
  { name: "eth_newFilter", params: ["logFilter"], required: 1 },
  { name: "eth_newBlockFilter", params: [], required: 0 },
  { name: "eth_newPendingTransactionFilter", params: [], required: 0 },
  // No filter has the id "0x1": geth's "filter not found".
  { name: "eth_getFilterChanges", params: ["subscriptionId"], required: 1, control: error(Code.Server) },
  { name: "eth_getFilterLogs", params: ["subscriptionId"], required: 1, control: error(Code.Server) },
  { name: "eth_uninstallFilter", params: ["subscriptionId"], required: 1 },
  { name: "txpool_status", params: [], required: 0 },
  { name: "txpool_content", params: [], required: 0 },
  { name: "txpool_contentFrom", params: ["address"], required: 1 },
  { name: "txpool_inspect", params: [], required: 0 },
  { name: "net_version", params: [], required: 0 },
  { name: "net_listening", params: [], required: 0 },
  { name: "net_peerCount", params: [], required: 0 },
  { name: "web3_clientVersion", params: [], required: 0 },
  { name: "web3_sha3", params: ["data"], required: 1 },
  { name: "outrigger_status", params: [], required: 0 },
  { name: "outrigger_validators", params: ["height"], required: 0 },
  { name: "outrigger_commit", params: ["height"], required: 1 },
  { name: "outrigger_checkpoint", params: ["checkpointNumber"], required: 1 },
  { name: "outrigger_checkpoints", params: ["checkpointFrom", "checkpointCount"], required: 2 },
  { name: "outrigger_bridgeInfo", params: [], required: 0, control: SERVER_OR_RESULT },
  { name: "outrigger_deposit", params: ["uint"], required: 1 },
  { name: "outrigger_evidence", params: ["height"], required: 0 },
  { name: "outrigger_txStatus", params: ["hash"], required: 1 },
  // A forged claim: refused (no L1 to confirm it, or L1 contradicts it), never taken. Withdrawal 0 may exist.
  { name: "outrigger_submitDepositClaim", params: ["claim"], required: 1, control: error(Code.Server) },
  { name: "outrigger_withdrawalProof", params: ["uint"], required: 1, control: SERVER_OR_RESULT },
];

function shorten(value: string): string {
  return value.length > 48 ? `${value.slice(0, 20)}...${value.slice(-20)} (${value.length} chars)` : value;
}

/** Each method with valid params (so the bad-param cases below differ from a valid call in one place only). */
export function controlCases(): HttpCase[] {
  return METHODS.map((m) => ({
    transport: "http",
    family: "valid-control",
    name: `${m.name} with valid params`,
    body: request(
      m.name,
      m.params.map((k) => KINDS[k].good),
    ),
    expect: m.control ?? resultOr(),
  }));
}

/** Every param of every method given each value its kind never takes; wrong counts; params not an array. */
export function badParamCases(): HttpCase[] {
  const cases: HttpCase[] = [];
  for (const m of METHODS) {
    const goods = m.params.map((k) => KINDS[k].good);
    for (const [i, kind] of m.params.entries()) {
      for (const [j, bad] of KINDS[kind].bad.entries()) {
        // A trailing null means "absent", which is fine for an optional param.
        if (bad === "null" && i >= m.required) continue;
        const params = goods.slice(0, i).concat(bad, goods.slice(i + 1, Math.max(i + 1, m.required)));
        cases.push({
          transport: "http",
          family: "bad-params",
          name: `${m.name} params[${i}] (${kind}) bad value ${j}: ${shorten(bad)}`,
          body: request(m.name, params),
          expect: error(Code.InvalidParams),
        });
      }
    }
    cases.push({
      transport: "http",
      family: "bad-params",
      name: `${m.name} with one param too many`,
      body: request(m.name, [...goods, '"extra"']),
      expect: error(Code.InvalidParams),
    });
    if (m.required > 0) {
      cases.push({
        transport: "http",
        family: "bad-params",
        name: `${m.name} with too few params`,
        body: request(m.name, goods.slice(0, m.required - 1)),
        expect: error(Code.InvalidParams),
      });
    }
    cases.push({
      transport: "http",
      family: "bad-params",
      name: `${m.name} with params by name`,
      body: `{"jsonrpc":"2.0","id":1,"method":"${m.name}","params":{"a":1}}`,
      expect: error(Code.InvalidParams),
    });
    cases.push({
      transport: "http",
      family: "bad-params",
      name: `${m.name} with params a string`,
      body: `{"jsonrpc":"2.0","id":1,"method":"${m.name}","params":"0x1"}`,
      expect: error(Code.InvalidRequest),
    });
  }
  return cases;
}
