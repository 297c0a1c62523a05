import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AppGenesis,
  type Application,
  type ApplicationModules,
  createApplication,
  type ExecutionResult,
  openApplication,
  type StateWrite,
} from "../../node/app/index.ts";
import type { Address } from "../../node/crypto/index.ts";
import {
  Bucket,
  bytesCodec,
  ChainStore,
  type Database,
  openDatabase,
  Repository,
} from "../../node/storage/index.ts";

/** One node's application, as the chain drives it: persist a block's writes, then commit. */
export interface ReplicaNode {
  readonly name: string;
  /** The fee recipient this node names in the blocks it proposes. */
  readonly proposer: Address;
  /** Replaced when the node restarts. */
  app: Application;
  /** Persists then commits, as the chain does for a decided block. */
  commit(result: ExecutionResult): Promise<void>;
  /** Reopens the app from what it persisted (a node's restart); an in-memory node keeps its app. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  name: string;
  proposer: Address;
  genesis: AppGenesis;
  modules?: ApplicationModules;
}

export function memoryReplica(opts: ReplicaOptions): ReplicaNode {
  const app = createApplication(opts.genesis, null, opts.modules);
  return {
    name: opts.name,
    proposer: opts.proposer,
    app,
    async commit(result) {
      app.commit(result);
    },
    async restart() {},
    async close() {},
  };
}

/**
 * A node whose app reads its state from its own classic-level database in `dir`, the block's state writes stored
 * (in the chain's state bucket) before commit. `cacheEntries` small makes most reads miss the cache.
 */
export async function storedReplica(
  opts: ReplicaOptions & { dir: string; cacheEntries?: number },
): Promise<ReplicaNode> {
  let db: Database;
  const open = async (): Promise<Application> => {
    db = await openDatabase(opts.dir);
    const store = new ChainStore({ syncBlocks: false }, { db });
    const app = await openApplication(
      opts.genesis,
      store.stateReader(),
      opts.cacheEntries === undefined ? {} : { cacheEntries: opts.cacheEntries },
      opts.modules,
    );
    await persist(app.snapshotWrites());
    return app;
  };
  const persist = (writes: readonly StateWrite[]) => {
    const state = new Repository<Uint8Array, Uint8Array>(
      { bucket: Bucket.state, name: "state", key: bytesCodec, value: bytesCodec },
      { db },
    );
    return db.batch(
      writes.map(([key, value]) => (value === null ? state.deleteOp(key) : state.putOp(key, value))),
    );
  };
  const node: ReplicaNode = {
    name: opts.name,
    proposer: opts.proposer,
    app: await open(),
    async commit(result) {
      await persist(result.stateWrites);
      node.app.commit(result);
    },
    async restart() {
      await db.close();
      node.app = await open();
    },
    close: () => db.close(),
  };
  return node;
}

/** A temp dir for stored replicas; `remove` closes nothing, so close the nodes first. */
export async function replicaHome(): Promise<{ dir: (name: string) => string; remove: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), "outrigger-replicas-"));
  return {
    dir: (name) => join(home, name),
    remove: () => rm(home, { recursive: true, force: true }),
  };
}
