// Child process of test/unit/storage-crash.test.ts: commits blocks and signs votes in a loop until it is killed.
// It prints a line only after the operation it reports has returned, so every line is a promise the database
// must keep after a SIGKILL at any instant.
import { signDigest, VoteType, voteDigest, ZERO_HASH } from "../../node/crypto/index.ts";
import {
  ChainStore,
  DoubleSignError,
  openDatabase,
  SignStateStore,
  SignStep,
  Wal,
  WalKind,
} from "../../node/storage/index.ts";
import type { Commit } from "../../node/types/index.ts";
import { buildCommittedBlock, CHAIN_ID, KEY } from "./storageFixtures.ts";

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: storageCrashChild.ts <db dir>");

const say = (line: string) => process.stdout.write(`${line}\n`);

const db = await openDatabase(dir);
const store = new ChainStore({}, { db });
const signState = await SignStateStore.open({ db });
const wal = await Wal.open({ db });

const head = await store.head();
let parent = head?.hash ?? ZERO_HASH;
let lastCommit: Commit | null = head === null ? null : await store.commitAt(head.height);
say(`ready ${head?.height ?? 0}`);

for (let h = (head?.height ?? 0) + 1; ; h++) {
  const c = buildCommittedBlock(h, parent, lastCommit);
  await wal.append(h, { kind: WalKind.HeightStarted, data: new Uint8Array(0) });
  for (const [type, step] of [
    [VoteType.Prevote, SignStep.Prevote],
    [VoteType.Precommit, SignStep.Precommit],
  ] as const) {
    const digest = voteDigest({ chainId: CHAIN_ID, type, height: h, round: 0, blockHash: c.blockHash });
    try {
      const sig = await signState.sign({ height: h, round: 0, step, blockHash: c.blockHash, digest }, (d) =>
        signDigest(d, KEY),
      );
      say(`signed ${h} 0 ${step} ${sig}`);
    } catch (err) {
      // After a kill between the precommit and the commit, the restarted loop asks for the prevote again.
      if (!(err instanceof DoubleSignError && err.code === "regression")) throw err;
      say(`refused ${h} 0 ${step}`);
    }
    await wal.append(h, { kind: WalKind.OwnVote, data: digest });
  }
  await store.writeCommittedBlock(c);
  say(`committed ${h}`);
  parent = c.blockHash;
  lastCommit = c.commit;
}
