import { RLP } from "@ethereumjs/rlp";
import { getBytes, hexlify, keccak256, SigningKey, Transaction, toUtf8Bytes } from "ethers";
import { SeededRandom } from "../helpers/seededRandom.ts";
import { Code, error, type HttpCase, request } from "./cases.ts";

/** What the transaction cases need to know of the chain they are thrown at. */
export interface TxContext {
  chainId: bigint;
  /** The lowest base fee the chain can have (block 0's): a fee cap below it is underpriced whatever the load. */
  baseFee: bigint;
  /** Raw transactions already committed on the chain: sent again, they must be refused. */
  replay: readonly string[];
  /** A funded account that has sent `nonce` transactions (nonce-too-low and underpriced cases), if any. */
  funded: { key: string; nonce: number } | null;
}

/** An account nobody funds: whatever it signs can never pay for itself, so none of it can change state. */
export const UNFUNDED_KEY = keccak256(toUtf8Bytes("outrigger hostile corpus: an account nobody funds"));
const RECIPIENT = "0x000000000000000000000000000000000000dEaD";
const TX_REFUSED = [Code.Server, Code.TxRejected];

interface TxFields {
  type?: number;
  chainId?: bigint;
  nonce?: number;
  gasLimit?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  gasPrice?: bigint;
  value?: bigint;
  data?: string;
  to?: string | null;
}

function sign(key: string, ctx: TxContext, fields: TxFields): string {
  const type = fields.type ?? 2;
  const tx = Transaction.from({
    type,
    chainId: fields.chainId ?? ctx.chainId,
    nonce: fields.nonce ?? 0,
    gasLimit: fields.gasLimit ?? 21_000n,
    to: fields.to === undefined ? RECIPIENT : fields.to,
    value: fields.value ?? 1n,
    data: fields.data ?? "0x",
    ...(type === 2
      ? {
          maxFeePerGas: fields.maxFeePerGas ?? 2n * ctx.baseFee,
          maxPriorityFeePerGas: fields.maxPriorityFeePerGas ?? 0n,
        }
      : { gasPrice: fields.gasPrice ?? 2n * ctx.baseFee }),
  });
  tx.signature = new SigningKey(key).sign(tx.unsignedHash);
  return tx.serialized;
}

/** A signed type-2 transaction with its yParity, r and s replaced (RLP-level, past ethers' own checks). */
function withSignature(raw: string, yParity: Uint8Array, r: Uint8Array, s: Uint8Array): string {
  const bytes = getBytes(raw);
  const fields = RLP.decode(bytes.subarray(1)) as Uint8Array[];
  const replaced = [...fields.slice(0, 9), yParity, r, s];
  return hexlify(new Uint8Array([bytes[0] as number, ...RLP.encode(replaced)]));
}

/** A type-2 transaction signed over [chainId, nonce, tip, feeCap, gas, to, value], whatever their values. */
function signType2Fields(key: string, f: [bigint, bigint, bigint, bigint, bigint, string, bigint]): string {
  const [chainId, nonce, tip, feeCap, gas, to, value] = f;
  const body = [
    be(chainId),
    be(nonce),
    be(tip),
    be(feeCap),
    be(gas),
    getBytes(to),
    be(value),
    new Uint8Array(),
    [],
  ];
  const unsigned = new Uint8Array([2, ...RLP.encode(body)]);
  const sig = new SigningKey(key).sign(keccak256(unsigned));
  const signed = RLP.encode([...body, be(BigInt(sig.yParity)), be(BigInt(sig.r)), be(BigInt(sig.s))]);
  return hexlify(new Uint8Array([2, ...signed]));
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function be(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array();
  return getBytes(`0x${value.toString(16).padStart(Math.ceil(value.toString(16).length / 2) * 2, "0")}`);
}

function txCase(name: string, raw: string, codes: number[] = TX_REFUSED): HttpCase {
  return {
    transport: "http",
    family: "transactions",
    name,
    body: request("eth_sendRawTransaction", [JSON.stringify(raw)]),
    expect: error(...codes),
  };
}

/** Refused transactions: garbage, every type byte, bad signatures, wrong chains, replays, underpriced, too low. */
export function txCases(ctx: TxContext): HttpCase[] {
  const random = new SeededRandom(17);
  const randomHex = (n: number) => hexlify(Uint8Array.from({ length: n }, () => random.int(0, 255)));
  const cases: HttpCase[] = [];

  for (const raw of ["0x", "0x00", "0x80", "0xc0", "0xc1", "0xf8ff", "0xdeadbeef", "0xb9ffff", "0xffffffff"])
    cases.push(txCase(`garbage RLP ${raw}`, raw));
  for (const n of [1, 2, 7, 32, 100, 1000, 50_000]) cases.push(txCase(`${n} random bytes`, randomHex(n)));
  cases.push(txCase("oversized: 200 KiB of bytes", `0x${"02".repeat(200 * 1024)}`, [Code.TxRejected]));
  cases.push({ ...txCase("odd-length hex", "0x123"), expect: error(Code.InvalidParams) });
  // A list whose declared length runs past the end, and one nested far deeper than any transaction.
  cases.push(txCase("RLP list longer than the data", "0xf90100c0"));
  cases.push(txCase("RLP nested 10,000 deep", deepRlp(10_000)));

  // Every type byte, followed by an RLP list that is no transaction of that type.
  for (let type = 0; type <= 0xff; type++) {
    const byte = type.toString(16).padStart(2, "0");
    cases.push(txCase(`type byte 0x${byte} + junk`, `0x${byte}c3010203`));
  }

  const unfunded = (name: string, fields: TxFields, codes?: number[]) =>
    cases.push(txCase(name, sign(UNFUNDED_KEY, ctx, fields), codes));
  unfunded("unfunded sender", {});
  unfunded("unfunded legacy", { type: 0 });
  unfunded("unfunded legacy without a chain id (pre-EIP-155)", { type: 0, chainId: 0n });
  unfunded("unfunded access-list tx", { type: 1 });
  unfunded("wrong chain id 1", { chainId: 1n });
  unfunded("wrong chain id + 1", { chainId: ctx.chainId + 1n });
  unfunded("wrong chain id 2^64-1", { chainId: (1n << 64n) - 1n });
  unfunded("legacy with the wrong chain id", { type: 0, chainId: 1n });
  unfunded("intrinsic gas too low", { gasLimit: 20_000n });
  unfunded("gas limit 0", { gasLimit: 0n });
  unfunded("gas limit 2^63", { gasLimit: 1n << 63n });
  unfunded("value 2^256-1", { value: (1n << 256n) - 1n });
  // ethers refuses to build this one, so it is built field by field.
  cases.push(
    txCase(
      "tip above the fee cap",
      signType2Fields(UNFUNDED_KEY, [ctx.chainId, 0n, ctx.baseFee * 2n, ctx.baseFee, 21_000n, RECIPIENT, 1n]),
    ),
  );
  unfunded("fee cap 2^256-1", { maxFeePerGas: (1n << 256n) - 1n, maxPriorityFeePerGas: 1n });
  unfunded("nonce 2^53-1", { nonce: Number.MAX_SAFE_INTEGER });
  unfunded("contract creation with junk code", { to: null, data: randomHex(64), gasLimit: 100_000n });
  unfunded("100 KiB of calldata", { data: randomHex(100 * 1024), gasLimit: 5_000_000n });

  const base = sign(UNFUNDED_KEY, ctx, {});
  const good = Transaction.from(base).signature;
  const r = good ? BigInt(good.r) : 1n;
  const s = good ? BigInt(good.s) : 1n;
  const parity = be(BigInt(good?.yParity ?? 0));
  const signatures: [string, Uint8Array, bigint, bigint][] = [
    ["r = 0", parity, 0n, s],
    ["s = 0", parity, r, 0n],
    ["r = s = 0", parity, 0n, 0n],
    ["r = n", parity, N, s],
    ["s = n", parity, r, N],
    ["high s", parity, r, N - s],
    ["r = 2^256-1", parity, (1n << 256n) - 1n, s],
    ["yParity 2", be(2n), r, s],
    ["yParity 27", be(27n), r, s],
    ["flipped yParity", be(good?.yParity === 1 ? 0n : 1n), r, s],
    ["r and s swapped", parity, s, r],
    ["r + 1", parity, r + 1n, s],
  ];
  for (const [name, y, rr, ss] of signatures)
    cases.push(txCase(`invalid signature: ${name}`, withSignature(base, y, be(rr), be(ss))));
  cases.push(txCase("signature fields truncated", hexlify(getBytes(base).subarray(0, -10))));
  cases.push(txCase("signed bytes with one flipped", flipByte(base, 20)));
  cases.push(txCase("trailing junk after the transaction", `${base}00`));

  for (const [i, raw] of ctx.replay.entries()) {
    cases.push(txCase(`replay of committed transaction ${i}`, raw, [Code.Server]));
  }
  if (ctx.funded !== null) {
    const { key, nonce } = ctx.funded;
    const funded = (name: string, fields: TxFields, codes?: number[]) =>
      cases.push(txCase(name, sign(key, ctx, fields), codes));
    for (let n = 0; n < Math.min(nonce, 3); n++)
      funded(`nonce too low (${n})`, { nonce: n, value: 7n }, [Code.Server]);
    funded("underpriced: fee cap under the base fee", { nonce, maxFeePerGas: ctx.baseFee - 1n }, [
      Code.Server,
    ]);
    funded("underpriced: fee cap 0", { nonce, maxFeePerGas: 0n }, [Code.Server]);
    funded("underpriced legacy", { nonce, type: 0, gasPrice: 1n }, [Code.Server]);
    funded("funded sender, more value than it holds", { nonce, value: (1n << 255n) - 1n }, [Code.Server]);
    funded("funded sender, wrong chain id", { nonce, chainId: ctx.chainId + 1n });
    funded("funded sender, intrinsic gas too low", { nonce, gasLimit: 1n });
  }
  return cases;
}

/** An RLP list holding a list holding a list... `depth` deep, built without recursion. */
function deepRlp(depth: number): string {
  const prefixes: number[][] = [];
  let length = 1;
  for (let i = 0; i < depth; i++) {
    const prefix = length <= 55 ? [0xc0 + length] : longListPrefix(length);
    prefixes.push(prefix);
    length += prefix.length;
  }
  return hexlify(Uint8Array.from([...prefixes.reverse().flat(), 0xc0]));
}

function longListPrefix(length: number): number[] {
  const bytes = getBytes(
    `0x${length.toString(16).padStart(Math.ceil(length.toString(16).length / 2) * 2, "0")}`,
  );
  return [0xf7 + bytes.length, ...bytes];
}

function flipByte(raw: string, at: number): string {
  const bytes = getBytes(raw).slice();
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  return hexlify(bytes);
}
