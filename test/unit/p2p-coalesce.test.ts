import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { coalesced } from "../../node/p2p/coalesce.ts";

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of source) out.push(chunk);
  return out;
}

async function* from(frames: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* frames;
}

const concat = (parts: readonly Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

describe("p2p: coalesced stream writes", () => {
  it("joins frames into writes of at most the bound, a larger frame alone, the bytes and their order unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 1_000 }),
        async (frames, bound) => {
          const writes = await collect(coalesced(from(frames), bound));
          assert.deepEqual(concat(writes), concat(frames));
          for (const write of writes) {
            assert.ok(write.length > 0, "no empty write");
            // Over the bound only as a frame on its own.
            if (write.length > bound) assert.ok(frames.some((f) => f.length === write.length));
          }
          // Each write is whole frames; a write ends only where its next frame would not have fitted.
          const sized = frames.filter((f) => f.length > 0);
          let next = 0;
          writes.forEach((write, i) => {
            const firstLength = sized[next]?.length ?? 0;
            let taken = 0;
            while (taken < write.length) taken += sized[next++]?.length ?? Number.POSITIVE_INFINITY;
            assert.equal(taken, write.length, "a write ends on a frame boundary");
            if (i > 0) assert.ok((writes[i - 1]?.length ?? 0) + firstLength > bound, "could have joined");
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("turns a range of 64 small frames into one write, and takes it-length-prefixed's lists", async () => {
    const frames = Array.from({ length: 64 }, (_, i) => new Uint8Array(700).fill(i));
    const writes = await collect(coalesced(from(frames)));
    assert.equal(writes.length, 1);
    assert.equal(writes[0]?.length, 64 * 700);
    const lists = (async function* () {
      for (const f of frames.slice(0, 2)) yield { subarray: () => f };
    })();
    assert.deepEqual(concat(await collect(coalesced(lists))), concat(frames.slice(0, 2)));
  });
});
