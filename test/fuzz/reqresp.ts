import fc from "fast-check";
import * as lp from "it-length-prefixed";
import { decodeCheckpointSignature } from "../../node/checkpoint/wire.ts";
import { decodeRlpStrict, RlpError } from "../../node/crypto/index.ts";
import { decodeClaimGossip } from "../../node/deposits/gossipWire.ts";
import { P2pError } from "../../node/p2p/errors.ts";
import {
  decodeBlocksRequest,
  decodeCatchUpRequest,
  decodeHeldRequest,
  encodeBlocksRequest,
  encodeCatchUpRequest,
  encodeHeldRequest,
  errorFromFrame,
  isSingleRlpItem,
  MAX_REQUEST_BYTES,
} from "../../node/p2p/reqrespWire.ts";
import { BadRangeError, decodeRange } from "../../node/sync/blockSync.ts";
import { encodeSyncItem } from "../../node/sync/wire.ts";
import { encodeBlock, encodeCommit } from "../../node/types/index.ts";
import { decodeCatchUpItem, encodeCatchUpItem } from "../../node/types/wireMessages.ts";
import { errorMessage } from "../../node/util/errors.ts";
import { validPayloads } from "./gossip.ts";
import {
  asyncTarget,
  expectTyped,
  FuzzFailure,
  type FuzzTarget,
  SLOW_INPUT_MS,
  syncTarget,
  tally,
} from "./harness.ts";
import { randomBytesArb, wireInputs } from "./mutate.ts";
import { blockArb, commitArb, proposalArb, uint64Arb, voteArb } from "./wireValues.ts";

/**
 * The request/response protocols (node/p2p/reqrespWire.ts): the three request decoders a server runs on a
 * stranger's frame, the response items a client decodes (block ranges, catch-up items, held bridge gossip), the
 * status byte of a response frame, and the length-prefixed framing itself.
 */

const height = fc.integer({ min: 1, max: 2 ** 40 });

const blocksRequestArb = fc
  .tuple(height, fc.integer({ min: 1, max: 64 }))
  .map(([from, count]) => encodeBlocksRequest(from, count));
const catchUpRequestArb = height.map(encodeCatchUpRequest);
const heldRequestArb = fc.oneof(
  fc
    .integer({ min: 1, max: 2 ** 40 })
    .map((number) => encodeHeldRequest({ kind: "checkpoint-signatures", number })),
  uint64Arb.map((fromNonce) => encodeHeldRequest({ kind: "deposit-claims", fromNonce })),
);

/** A block and the commit that decided it, at `height`: the commit's height is the block's. */
function syncItemAt(height: number): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(blockArb, commitArb)
    .map(([block, commit]) =>
      encodeSyncItem(
        encodeBlock({ ...block, header: { ...block.header, height } }),
        encodeCommit({ ...commit, height }),
      ),
    );
}

/** An answer to "blocks from `from`, `count` of them": consecutive items, some mutated, some count asked. */
const blockRangeArb = fc
  .tuple(height, fc.integer({ min: 1, max: 3 }), fc.integer({ min: -1, max: 1 }))
  .chain(([from, items, slack]) =>
    fc.record({
      from: fc.constant(from),
      count: fc.constant(Math.max(1, items + slack)),
      items: fc.tuple(
        ...Array.from({ length: items }, (_, i) =>
          fc.oneof(
            { weight: 3, arbitrary: syncItemAt(from + i) },
            { weight: 1, arbitrary: wireInputs(syncItemAt(from + i)) },
          ),
        ),
      ),
    }),
  );

const catchUpItemArb = fc.oneof(
  fc
    .tuple(proposalArb, blockArb)
    .map(([proposal, block]) => encodeCatchUpItem({ kind: "proposal", proposal, block })),
  voteArb.map((vote) => encodeCatchUpItem({ kind: "vote", vote })),
);

/** Chunks as a stream delivers them: valid frames, then some of them cut, joined or spliced with garbage. */
const frameStreamArb = fc
  .tuple(
    fc.array(fc.oneof(randomBytesArb, fc.uint8Array({ maxLength: 8 })), { maxLength: 4 }),
    fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 3 }),
    fc.nat({ max: 64 }),
  )
  .map(([frames, garbage, cut]) => {
    const chunks = frames.map((f) => lp.encode.single(f).subarray());
    for (const [i, g] of garbage.entries()) chunks.splice((cut + i) % (chunks.length + 1), 0, g);
    return chunks;
  });

/** What lp.decode throws for a malformed stream; node/p2p/reqrespClient.ts classify() names each by its code. */
const FRAMING_ERRORS = new Set([
  "InvalidDataLengthError",
  "InvalidDataLengthLengthError",
  "InvalidMessageLengthError",
  "UnexpectedEOFError",
]);

/** Reads the frames as reqrespServer.ts does; only the framing errors classify() names may come out. */
async function readFrames(chunks: Uint8Array[]): Promise<void> {
  const source = (async function* () {
    yield* chunks;
  })();
  const started = performance.now();
  try {
    for await (const frame of lp.decode(source, { maxDataLength: MAX_REQUEST_BYTES })) frame.subarray();
    tally("lp.decode", "ok");
  } catch (err) {
    if (!(err instanceof Error && FRAMING_ERRORS.has(err.name)))
      throw new FuzzFailure(`lp.decode threw ${errorMessage(err)}`, { cause: err });
    tally("lp.decode", err.name);
  }
  if (performance.now() - started > SLOW_INPUT_MS) throw new FuzzFailure("lp.decode hung");
}

export const reqrespTargets: FuzzTarget[] = [
  syncTarget("req blocks request", 3, wireInputs(blocksRequestArb), (body) =>
    expectTyped(() => decodeBlocksRequest(body), [RlpError], "decodeBlocksRequest"),
  ),
  syncTarget("req catch-up request", 3, wireInputs(catchUpRequestArb), (body) =>
    expectTyped(() => decodeCatchUpRequest(body), [RlpError], "decodeCatchUpRequest"),
  ),
  syncTarget("req held request", 3, wireInputs(heldRequestArb), (body) =>
    expectTyped(() => decodeHeldRequest(body), [P2pError], "decodeHeldRequest"),
  ),
  syncTarget("resp block range", 1, blockRangeArb, ({ from, count, items }) =>
    expectTyped(() => decodeRange({ from, count }, items), [RlpError, BadRangeError], "decodeRange"),
  ),
  syncTarget("resp catch-up item", 1, wireInputs(catchUpItemArb), (bytes) =>
    expectTyped(() => decodeCatchUpItem(bytes), [RlpError], "decodeCatchUpItem"),
  ),
  syncTarget(
    "resp held item",
    2,
    fc.oneof(
      wireInputs(validPayloads["deposit-claim"]).map((bytes) => [true, bytes] as const),
      wireInputs(validPayloads["checkpoint-sig"]).map((bytes) => [false, bytes] as const),
    ),
    ([claims, bytes]) =>
      expectTyped(
        () => (claims ? decodeClaimGossip(bytes) : decodeCheckpointSignature(bytes)),
        [RlpError],
        "held item",
      ),
  ),
  syncTarget("resp frame status", 3, fc.tuple(fc.nat({ max: 255 }), randomBytesArb), ([status, payload]) => {
    const frame = new Uint8Array(1 + payload.length);
    frame[0] = status;
    frame.set(payload, 1);
    const item = frame.subarray(1);
    let single = false;
    expectTyped(
      () => {
        single = isSingleRlpItem(item);
      },
      [],
      "isSingleRlpItem",
    );
    // The header check lets through only what may be one item: whatever decodes as one must pass it.
    let decodes = true;
    try {
      decodeRlpStrict(item);
    } catch {
      decodes = false;
    }
    if (decodes && !single) throw new FuzzFailure("isSingleRlpItem refused a well-formed RLP item");
    if (status !== 0) {
      const err = errorFromFrame(status, item, "peer");
      if (!(err instanceof P2pError)) throw new FuzzFailure("errorFromFrame returned no P2pError");
    }
  }),
  asyncTarget("resp length-prefixed frames", 1, frameStreamArb, readFrames),
];
