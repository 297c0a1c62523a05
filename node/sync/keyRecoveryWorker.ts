import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { errorMessage } from "../util/errors.ts";

/** One signature to recover: the signed digest, r ‖ s, and the recovery id (v - 27). */
export interface RecoveryJob {
  digest: Uint8Array;
  compact: Uint8Array;
  recoveryId: number;
}

/** Public-key recovery on another thread; the caller applies the signature rules and derives the address. */
export interface KeyRecovery {
  /** Per job, the signer's 65-byte uncompressed public key, or null where none recovers. Rejects if the thread died. */
  recover(jobs: readonly RecoveryJob[]): Promise<(Uint8Array | null)[]>;
  close(): Promise<void>;
}

/**
 * Plain CommonJS so the thread starts in milliseconds (no TypeScript loader): it only runs libsecp256k1's
 * recovery over packed inputs, the same call as node/crypto/nativeSecp256k1.ts, and packs the keys back.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const addon = require(workerData.addon);
parentPort.on("message", ({ id, digests, compacts, recoveryIds }) => {
  const n = recoveryIds.length;
  const keys = new Uint8Array(n * 65);
  const ok = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    try {
      const key = addon.ecdsaRecover(
        compacts.subarray(i * 64, i * 64 + 64), recoveryIds[i], digests.subarray(i * 32, i * 32 + 32), false);
      keys.set(key, i * 65);
      ok[i] = 1;
    } catch {}
  }
  parentPort.postMessage({ id, keys, ok }, [keys.buffer, ok.buffer]);
});
`;

interface Answer {
  id: number;
  keys: Uint8Array;
  ok: Uint8Array;
}

interface Waiting {
  count: number;
  resolve(keys: (Uint8Array | null)[]): void;
  reject(err: Error): void;
}

/**
 * Starts a thread that recovers public keys with the native secp256k1 addon, so block sync verifies the
 * commits of ranges it fetched ahead while this thread executes and writes the range before them. Throws when the
 * addon cannot be resolved (the node then verifies on its own thread, as without a worker).
 */
export function startKeyRecoveryWorker(): KeyRecovery {
  const addon = createRequire(import.meta.url).resolve("secp256k1/bindings");
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { addon } });
  // An idle recovery thread must not keep the process alive.
  worker.unref();
  const waiting = new Map<number, Waiting>();
  let nextId = 0;
  let failure: Error | null = null;
  const fail = (err: Error) => {
    failure ??= err;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  worker.on("message", ({ id, keys, ok }: Answer) => {
    const w = waiting.get(id);
    if (w === undefined) return;
    waiting.delete(id);
    w.resolve(
      Array.from({ length: w.count }, (_, i) => (ok[i] === 1 ? keys.subarray(i * 65, i * 65 + 65) : null)),
    );
  });
  worker.on("error", (err) => fail(new Error(`key recovery thread failed: ${errorMessage(err)}`)));
  worker.on("exit", (code) => fail(new Error(`key recovery thread exited (${code})`)));
  return {
    recover(jobs) {
      if (failure !== null) return Promise.reject(failure);
      if (jobs.length === 0) return Promise.resolve([]);
      const digests = new Uint8Array(jobs.length * 32);
      const compacts = new Uint8Array(jobs.length * 64);
      const recoveryIds = new Uint8Array(jobs.length);
      jobs.forEach((job, i) => {
        digests.set(job.digest, i * 32);
        compacts.set(job.compact, i * 64);
        recoveryIds[i] = job.recoveryId;
      });
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { count: jobs.length, resolve, reject });
        worker.postMessage({ id, digests, compacts, recoveryIds }, [
          digests.buffer,
          compacts.buffer,
          recoveryIds.buffer,
        ]);
      });
    },
    async close() {
      fail(new Error("key recovery thread closed"));
      await worker.terminate();
    },
  };
}
