import { cpus, loadavg } from "node:os";
import {
  generatePrivateKey,
  type Hex,
  hexToBytes,
  keccak256,
  type Secp256k1Backend,
  secp256k1Backend,
} from "../node/crypto/index.ts";
import { loadNativeSecp256k1 } from "../node/crypto/nativeSecp256k1.ts";
import { nobleSecp256k1 } from "../node/crypto/nobleSecp256k1.ts";
import { recoverSignerWith, signDigestWith } from "../node/crypto/signature.ts";
import { errorMessage } from "../node/util/errors.ts";
import { formatTable } from "./lib/table.ts";

/**
 * Signer recoveries per second on one core, for each secp256k1 backend: recoverSigner as the node calls it
 * (strict checks, recovery, keccak of the key), beside the bare curve recovery of the same backend measured
 * in the same run, which bounds what any wrapper could reach. Every transaction sender, vote, proposal,
 * commit signature and checkpoint signature costs one recovery (the verifier caches repeats).
 */
const SECONDS = Number(process.env.OUTRIGGER_BENCH_SECONDS ?? 3);
const SAMPLES = 256;

interface Sample {
  digest: Uint8Array;
  signature: Hex;
  compact: Uint8Array;
  recoveryId: number;
}

function samples(): Sample[] {
  return Array.from({ length: SAMPLES }, (_, i) => {
    const digest = keccak256(new TextEncoder().encode(`bench message ${i}`));
    const signature = signDigestWith(nobleSecp256k1, digest, generatePrivateKey());
    const bytes = hexToBytes(signature, 65);
    return { digest, signature, compact: bytes.subarray(0, 64), recoveryId: (bytes[64] ?? 27) - 27 };
  });
}

/** Operations per second of `op` over the samples, run for about `seconds` after a short warm-up. */
function rate(all: Sample[], seconds: number, op: (s: Sample) => void): number {
  const warmUntil = performance.now() + 200;
  for (let i = 0; performance.now() < warmUntil; i++) op(all[i % all.length] as Sample);
  let done = 0;
  const start = performance.now();
  const stop = start + seconds * 1000;
  // The clock is read every 16 operations: often enough for the slow backend, rarely enough not to count.
  while (performance.now() < stop) {
    for (let j = 0; j < 16; j++) op(all[(done + j) % all.length] as Sample);
    done += 16;
  }
  return Math.round(done / ((performance.now() - start) / 1000));
}

function measure(backend: Secp256k1Backend, all: Sample[]) {
  const recoverSigner = rate(all, SECONDS, (s) => recoverSignerWith(backend, s.digest, s.signature));
  const bareRecovery = rate(all, SECONDS, (s) => backend.recoverPublicKey(s.digest, s.compact, s.recoveryId));
  return { recoverSignerPerSecond: recoverSigner, bareRecoveryPerSecond: bareRecovery };
}

function nativeBackend(): Secp256k1Backend | string {
  try {
    return loadNativeSecp256k1();
  } catch (err) {
    return errorMessage(err);
  }
}

const all = samples();
const native = nativeBackend();
const loadBefore = loadavg();
const nativeResult = typeof native === "string" ? { unavailable: native } : measure(native, all);
const nobleResult = measure(nobleSecp256k1, all);
const result = {
  bench: "signature recovery, one core",
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? "unknown",
    node: process.version,
    // Other load on the machine lowers every figure; the bounds beside them are lowered alike.
    loadAverage1m: [Number(loadBefore[0]?.toFixed(2)), Number(loadavg()[0]?.toFixed(2))],
  },
  activeBackend: secp256k1Backend.name,
  activeBackendDescription: secp256k1Backend.description,
  secondsPerFigure: SECONDS,
  native: nativeResult,
  noble: nobleResult,
};
console.log(JSON.stringify(result, null, 2));
console.log();
const rows: (string | number)[][] = [];
if ("recoverSignerPerSecond" in nativeResult) {
  rows.push(["native", nativeResult.recoverSignerPerSecond, nativeResult.bareRecoveryPerSecond]);
}
rows.push(["noble", nobleResult.recoverSignerPerSecond, nobleResult.bareRecoveryPerSecond]);
console.log(formatTable(["backend", "recoverSigner/s", "bare recovery/s (bound)"], rows));
console.log(`node uses: ${secp256k1Backend.name} (${secp256k1Backend.description})`);
