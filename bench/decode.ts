import { cpus, loadavg } from "node:os";
import { getBytes, SigningKey, Transaction } from "ethers";
import { decodeTransaction, type SignerRecovery } from "../node/app/index.ts";
import { type Address, keccak256Hex, recoverSigner, secp256k1Backend } from "../node/crypto/index.ts";
import { decodeTransactionWithEthers } from "../test/helpers/ethersTxDecoder.ts";
import { formatTable } from "./lib/table.ts";

/**
 * Transaction decodes per second on one core, the ethers-based decoder (Transaction.from, then serialized for
 * the canonical check and unsignedHash for the digest) against the decoder over @ethereumjs/rlp, on the same
 * pre-signed native transfers (half legacy, half type 2), in the same run. Three figures each: the decoding
 * alone (recovery stubbed), with the native recovery, and the admission path (mempool, decode cache and decoder
 * hashed the raw bytes three times before; once now). The two sides alternate in short rounds, so that other
 * load on the machine weighs on both alike: compare the ratio, not the absolute figures.
 */
const SECONDS = Number(process.env.OUTRIGGER_BENCH_SECONDS ?? 2);
const ROUNDS = 4;
const SAMPLES = 256;
const CHAIN_ID = 7447n;
const RULES = { chainId: CHAIN_ID, baseFee: 10n ** 9n };

function samples(): Uint8Array[] {
  return Array.from({ length: SAMPLES }, (_, i) => {
    const key = new SigningKey(`0x${(0x5000 + i).toString(16).padStart(64, "0")}`);
    const fees =
      i % 2 === 0
        ? { type: 2, maxFeePerGas: 2n * RULES.baseFee, maxPriorityFeePerGas: RULES.baseFee }
        : { type: 0, gasPrice: 2n * RULES.baseFee };
    const tx = Transaction.from({
      chainId: CHAIN_ID,
      nonce: i,
      gasLimit: 21_000n,
      to: `0x${(i + 1).toString(16).padStart(40, "0")}`,
      value: 10n ** 15n + BigInt(i),
      ...fees,
    });
    tx.signature = key.sign(tx.unsignedHash);
    return getBytes(tx.serialized);
  });
}

const STUB_SENDER: Address = `0x${"00".repeat(20)}`;
const stubRecovery: SignerRecovery = () => STUB_SENDER;

type Op = (raw: Uint8Array) => unknown;

const PATHS: Record<string, { old: Op; new: Op }> = {
  "decode, recovery stubbed": {
    old: (raw) => decodeTransactionWithEthers(raw, RULES, stubRecovery),
    new: (raw) => decodeTransaction(raw, RULES, stubRecovery),
  },
  "decode + native recovery": {
    old: (raw) => decodeTransactionWithEthers(raw, RULES, recoverSigner),
    new: (raw) => decodeTransaction(raw, RULES, recoverSigner),
  },
  "admission: hashes + decode + recovery": {
    old: (raw) => {
      keccak256Hex(raw); // mempool.add
      keccak256Hex(raw); // TxCache.getOrDecode
      return decodeTransactionWithEthers(raw, RULES, recoverSigner);
    },
    new: (raw) => decodeTransaction(raw, RULES, recoverSigner, keccak256Hex(raw)),
  },
};

/** Runs `op` over the samples for about `seconds`; the clock is read every 16 operations. */
function run(all: Uint8Array[], seconds: number, op: Op): { done: number; ms: number } {
  let done = 0;
  const start = performance.now();
  const stop = start + seconds * 1000;
  while (performance.now() < stop) {
    for (let j = 0; j < 16; j++) op(all[(done + j) % all.length] as Uint8Array);
    done += 16;
  }
  return { done, ms: performance.now() - start };
}

function measure(all: Uint8Array[], ops: { old: Op; new: Op }) {
  for (const op of [ops.old, ops.new]) run(all, 0.2, op); // warm-up
  const totals = { old: { done: 0, ms: 0 }, new: { done: 0, ms: 0 } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of ["old", "new"] as const) {
      const r = run(all, SECONDS / ROUNDS, ops[side]);
      totals[side].done += r.done;
      totals[side].ms += r.ms;
    }
  }
  const oldPerSecond = Math.round(totals.old.done / (totals.old.ms / 1000));
  const newPerSecond = Math.round(totals.new.done / (totals.new.ms / 1000));
  return { oldPerSecond, newPerSecond, ratio: Number((newPerSecond / oldPerSecond).toFixed(2)) };
}

const all = samples();
// Both decoders read every sample alike before anything is timed.
for (const raw of all) {
  const fresh = decodeTransaction(raw, RULES);
  const old = decodeTransactionWithEthers(raw, RULES);
  if (fresh.from !== old.from || fresh.hash !== old.hash)
    throw new Error("the decoders disagree on a sample");
}
const loadBefore = loadavg();
const figures = Object.fromEntries(Object.entries(PATHS).map(([name, ops]) => [name, measure(all, ops)]));
const result = {
  bench: "transaction decoding, one core",
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? "unknown",
    node: process.version,
    loadAverage1m: [Number(loadBefore[0]?.toFixed(2)), Number(loadavg()[0]?.toFixed(2))],
  },
  recoveryBackend: secp256k1Backend.name,
  samples: SAMPLES,
  secondsPerSide: SECONDS,
  figures,
};
console.log(JSON.stringify(result, null, 2));
console.log();
console.log(
  formatTable(
    ["path", "ethers decodes/s", "new decodes/s", "ratio"],
    Object.entries(figures).map(([name, f]) => [name, f.oldPerSecond, f.newPerSecond, `${f.ratio}x`]),
  ),
);
