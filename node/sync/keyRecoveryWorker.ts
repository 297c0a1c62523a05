import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { errorMessage } from "../util/errors.ts";

/** One signature to recover: the signed digest, r ‖ s, and the recovery id (v - 27). */
export interface RecoveryJob {
  digest: Uint8Array;
  compact: Uint8Array;
  recoveryId: number;
}

/** One job's public key recovered on the caller's thread, or null where none recovers. */
export type RecoverHere = (job: RecoveryJob) => Uint8Array | null;

/** Jobs handed to the recovery thread together. */
export interface RecoveryBatch {
  /** Per job, the signer's 65-byte uncompressed public key, or null where none recovers. Rejects if the thread died. */
  readonly keys: Promise<(Uint8Array | null)[]>;
  /**
   * If the thread has not started the batch yet, recovers it here with `recoverHere` (keys then resolves with
   * those) and returns true; a batch the thread holds is left to it. Block sync takes back what the thread has not
   * reached when it needs a range: on two cores that thread may be starved, and waiting would idle this one.
   */
  takeBack(recoverHere: RecoverHere): boolean;
  /**
   * If the thread has not been handed the batch yet, drops it: keys resolves with [] (nothing recovered) and its
   * jobs are never made. For work the caller would rather do itself, in its own time, than here at once.
   */
  withdraw(): boolean;
}

/** A batch's jobs, or a function that makes them when the batch reaches the thread (spreading that work). */
export type RecoveryJobs = readonly RecoveryJob[] | (() => readonly RecoveryJob[]);

/** Public-key recovery on another thread; the caller applies the signature rules and derives the address. */
export interface KeyRecovery {
  /** Queues the jobs; batches reach the thread in order, a few at a time. */
  recover(jobs: RecoveryJobs): RecoveryBatch;
  close(): Promise<void>;
}

/** How long close() lets the thread finish its batch before terminating it anyway (a batch takes milliseconds). */
const CLOSE_GRACE_MS = 5_000;

/** Batches the thread holds at once: one it works on and one waiting, so it never idles between messages. */
const POSTED_BATCHES = 2;

/**
 * Plain CommonJS so the thread starts in milliseconds (no TypeScript loader): it only runs libsecp256k1's
 * recovery over packed inputs, the same call as node/crypto/nativeSecp256k1.ts, and packs the keys back.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const addon = require(workerData.addon);
parentPort.on("message", (message) => {
  if (message === "close") return parentPort.close();
  const { id, digests, compacts, recoveryIds } = message;
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

interface Queued {
  id: number;
  /** Made once, when the batch is posted or taken back. */
  jobs(): readonly RecoveryJob[];
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
  /** Batches not yet posted, in order; then those the thread holds, by id. */
  const queue: Queued[] = [];
  const posted = new Map<number, Queued>();
  let nextId = 0;
  let failure: Error | null = null;
  const fail = (err: Error) => {
    failure ??= err;
    for (const batch of [...queue, ...posted.values()]) batch.reject(failure);
    queue.length = 0;
    posted.clear();
  };
  const post = (batch: Queued) => {
    const jobs = batch.jobs();
    // A batch whose maker found nothing to recover is answered here: the thread would only echo it.
    if (jobs.length === 0) return batch.resolve([]);
    const digests = new Uint8Array(jobs.length * 32);
    const compacts = new Uint8Array(jobs.length * 64);
    const recoveryIds = new Uint8Array(jobs.length);
    jobs.forEach((job, i) => {
      digests.set(job.digest, i * 32);
      compacts.set(job.compact, i * 64);
      recoveryIds[i] = job.recoveryId;
    });
    posted.set(batch.id, batch);
    worker.postMessage({ id: batch.id, digests, compacts, recoveryIds }, [
      digests.buffer,
      compacts.buffer,
      recoveryIds.buffer,
    ]);
  };
  const pump = () => {
    while (posted.size < POSTED_BATCHES && queue.length > 0) post(queue.shift() as Queued);
  };
  worker.on("message", ({ id, keys, ok }: Answer) => {
    const batch = posted.get(id);
    if (batch === undefined) return;
    posted.delete(id);
    batch.resolve(
      Array.from({ length: ok.length }, (_, i) => (ok[i] === 1 ? keys.subarray(i * 65, i * 65 + 65) : null)),
    );
    pump();
  });
  worker.on("error", (err) => fail(new Error(`key recovery thread failed: ${errorMessage(err)}`)));
  const exited = new Promise<void>((resolve) => {
    worker.on("exit", (code) => {
      fail(new Error(`key recovery thread exited (${code})`));
      resolve();
    });
  });
  let closing: Promise<void> | null = null;
  return {
    recover(jobs) {
      const none = { takeBack: () => false, withdraw: () => false };
      if (failure !== null) return { keys: Promise.reject(failure), ...none };
      if (typeof jobs !== "function" && jobs.length === 0) return { keys: Promise.resolve([]), ...none };
      let made: readonly RecoveryJob[] | null = null;
      const make = () => {
        made ??= madeJobs(jobs);
        return made;
      };
      let batch: Queued | undefined;
      const keys = new Promise<(Uint8Array | null)[]>((resolve, reject) => {
        batch = { id: nextId++, jobs: make, resolve, reject };
      });
      const queued = batch as Queued;
      queue.push(queued);
      pump();
      const unqueue = () => {
        const at = queue.indexOf(queued);
        if (at < 0) return false;
        queue.splice(at, 1);
        return true;
      };
      return {
        keys,
        takeBack(recoverHere) {
          if (!unqueue()) return false;
          queued.resolve(make().map(recoverHere));
          return true;
        },
        withdraw() {
          if (!unqueue()) return false;
          queued.resolve([]);
          return true;
        },
      };
    },
    close() {
      fail(new Error("key recovery thread closed"));
      if (!closing) {
        // Asked to end after the batch it is in, not terminated inside it: a thread stopped within the addon's
        // call can abort the whole process (a C++ exception escaping N-API), as a loaded test run once showed.
        // Held while it ends, so a caller awaiting close() has something to wait on.
        worker.ref();
        worker.postMessage("close");
        const stuck = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
        stuck.unref();
        closing = exited.finally(() => clearTimeout(stuck));
      }
      return closing;
    },
  };
}

/** The jobs themselves, made now when given as a function. */
export function madeJobs(jobs: RecoveryJobs): readonly RecoveryJob[] {
  return typeof jobs === "function" ? jobs() : jobs;
}
