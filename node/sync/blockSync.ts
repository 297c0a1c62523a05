import type { Block, Commit } from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import type { RecoveredSigners } from "./recoveredSigners.ts";
import { decodeSyncItem, type SyncItem } from "./wire.ts";

type CertifiedItems = { block: Block; commit: Commit; encoded?: SyncItem["encoded"] }[];

export interface SyncPorts {
  /** Connected peers to ask, by id. */
  peers(): string[];
  requestBlocks(peer: string, fromHeight: number, count: number): Promise<Uint8Array[]>;
  /**
   * Verifies the commits of consecutive blocks against the validator sets of their heights, then validates and
   * commits them in order, skipping those at or below the head. Resolves with how many it committed and why it
   * stopped early, if it did (a bad block: nothing after it is committed); throws only for a local failure.
   * `signers`: what recoverSigners returned for these items, if it ran.
   */
  applyRange(
    items: CertifiedItems,
    signers?: RecoveredSigners,
  ): Promise<{ applied: number; error: Error | null }>;
  /**
   * Starts recovering the precommit signers of a range's commits off this thread as soon as the range arrives, so
   * that verifying it overlaps applying the ranges before it. Before the range is applied its ready() is awaited:
   * what the thread has not started is recovered on this one. Absent, the chain recovers them all.
   */
  recoverSigners?(items: CertifiedItems): RecoveredSigners | undefined;
  height(): number;
  /** A peer that served a bad block or frame: the node lowers its score or disconnects it. */
  penalise(peer: string, reason: string): void;
  /** A peer left out of the rest of this sync because its request failed or stalled (not proof of a lie). */
  dropped(peer: string, reason: string): void;
  progress(event: SyncProgress): void;
}

export interface SyncOptions {
  /** Blocks asked for in one request (at most the protocol's 64). */
  rangeSize: number;
  /** Ranges requested but not yet committed, across all peers: bounds memory and each peer's load. */
  window: number;
  /** Requests in flight to one peer at a time (the p2p layer allows 2 streams of a protocol per connection). */
  perPeer: number;
  /**
   * A request unanswered for this long drops the peer and its range goes to another; below the transport's own
   * 15 s, which is sized for any request rather than for a sync that other peers could be feeding meanwhile.
   */
  requestTimeoutMs: number;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  rangeSize: 64,
  window: 8,
  perPeer: 2,
  requestTimeoutMs: 10_000,
};

export interface SyncProgress {
  height: number;
  applied: number;
  peer: string;
  blocksPerSecond: number;
}

export interface SyncResult {
  applied: number;
  height: number;
  /** Why the sync stopped early on a failure of this node's own (storage, L1), which blames no peer. */
  error?: string;
}

/** A peer's answer that does not fit what was asked: out of range, out of order, or undecodable. */
export class BadRangeError extends Error {
  override readonly name: string = "BadRangeError";
}

interface Range {
  from: number;
  count: number;
}

/**
 * An answer with blocks is decoded, and its signers sent for recovery, the moment it lands; `prepared` is null for
 * an empty answer (the peer has nothing from there).
 */
type Answer = { ok: true; prepared: Prepared | null } | { ok: false; reason: string };

interface InFlight extends Range {
  peer: string;
  answer: Promise<Answer>;
}

/**
 * Fetches and applies blocks from peers until none of them has anything beyond our head. Ranges are fetched
 * ahead (a bounded window, spread over the peers) while the oldest one is verified and committed, and always
 * applied in height order. A peer that fails, stalls or serves a bad block is left out for the rest of the sync
 * and its range asked of another. Each block is applied only with a commit that verifies against the set we hold
 * for its height, so a peer can waste our time but never make us accept a block the validators did not decide.
 */
export async function syncFromPeers(
  ports: SyncPorts,
  clock: () => number,
  opts: SyncOptions = DEFAULT_SYNC_OPTIONS,
): Promise<SyncResult> {
  return new RangeSync(ports, clock, opts).run();
}

/** An answer decoded on arrival, its signers recovering meanwhile; or why it does not decode. */
type Prepared =
  | { ok: true; items: CertifiedItems; signers: RecoveredSigners | undefined }
  | { ok: false; err: unknown };

interface Arrived extends Range {
  peer: string;
  prepared: Prepared;
}

class RangeSync {
  private applied = 0;
  private readonly started: number;
  /** The lowest height no range covers yet. */
  private next: number;
  /** Ranges to ask (again), lowest first: a failed peer's, or the rest of a short answer. */
  private readonly pending: Range[] = [];
  private readonly inFlight = new Set<InFlight>();
  /** Answers that arrived before the ranges below them were applied; applied in height order. */
  private readonly arrived: Arrived[] = [];
  private readonly excluded = new Set<string>();
  /** Per peer, the lowest height it answered nothing for: it is not asked at or above it again. */
  private readonly exhaustedAt = new Map<string, number>();
  private readonly busy = new Map<string, number>();
  private turn = 0;
  private localFailure: string | null = null;

  constructor(
    private readonly ports: SyncPorts,
    private readonly clock: () => number,
    private readonly opts: SyncOptions,
  ) {
    this.started = clock();
    this.next = ports.height() + 1;
  }

  async run(): Promise<SyncResult> {
    for (;;) {
      this.fill();
      const due = this.takeDue();
      if (due !== undefined) {
        await this.apply(due);
        if (this.localFailure !== null) break;
        continue;
      }
      // Nothing in flight and nothing applicable: no peer can fill the gap below what arrived, or we are done.
      if (this.inFlight.size === 0) break;
      const flight = await Promise.race([...this.inFlight].map((f) => f.answer.then((a) => ({ f, a }))));
      this.inFlight.delete(flight.f);
      this.release(flight.f.peer);
      this.receive(flight.f, flight.a);
    }
    const result = { applied: this.applied, height: this.ports.height() };
    return this.localFailure === null ? result : { ...result, error: this.localFailure };
  }

  /** Starts requests until the window is full or no peer can take the lowest range left to ask. */
  private fill(): void {
    const head = this.ports.height();
    // Consensus may have committed past what we asked for: never ask for what we hold.
    this.next = Math.max(this.next, head + 1);
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const range = this.pending[i] as Range;
      if (range.from + range.count - 1 <= head) this.pending.splice(i, 1);
    }
    for (;;) {
      const range = this.pending[0] ?? { from: this.next, count: this.opts.rangeSize };
      // The range the head waits for is asked even with a full window, or the window could wait on itself.
      const full = this.inFlight.size + this.arrived.length >= this.opts.window;
      if (full && !(range === this.pending[0] && range.from <= head + 1)) return;
      const peer = this.pickPeer(range.from);
      if (peer === undefined) return;
      if (range === this.pending[0]) this.pending.shift();
      else this.next += range.count;
      this.request(peer, range);
    }
  }

  /** The least busy usable peer that may hold `from`, taking turns among equals so ranges spread. */
  private pickPeer(from: number): string | undefined {
    const peers = this.ports.peers().filter((peer) => {
      if (this.excluded.has(peer)) return false;
      if ((this.busy.get(peer) ?? 0) >= this.opts.perPeer) return false;
      const exhausted = this.exhaustedAt.get(peer);
      return exhausted === undefined || from < exhausted;
    });
    if (peers.length === 0) return undefined;
    const load = (peer: string) => this.busy.get(peer) ?? 0;
    const least = Math.min(...peers.map(load));
    const candidates = peers.filter((peer) => load(peer) === least);
    return candidates[this.turn++ % candidates.length];
  }

  private request(peer: string, range: Range): void {
    this.busy.set(peer, (this.busy.get(peer) ?? 0) + 1);
    const answer = withTimeout(
      this.ports.requestBlocks(peer, range.from, range.count),
      this.opts.requestTimeoutMs,
    ).then(
      // Not when the apply loop gets to it: by then the range is due, and its recovery could overlap nothing.
      (items): Answer => ({ ok: true, prepared: items.length > 0 ? this.prepare(range, items) : null }),
      (err: unknown): Answer => ({ ok: false, reason: errorMessage(err) }),
    );
    this.inFlight.add({ ...range, peer, answer });
  }

  private release(peer: string): void {
    this.busy.set(peer, Math.max(0, (this.busy.get(peer) ?? 0) - 1));
  }

  /** A failure or an empty answer is dealt with at once; blocks wait until the ranges below them are applied. */
  private receive(flight: InFlight, answer: Answer): void {
    const { peer } = flight;
    if (answer.ok && answer.prepared !== null) {
      this.arrived.push({ from: flight.from, count: flight.count, peer, prepared: answer.prepared });
      return;
    }
    if (!answer.ok) {
      if (!this.excluded.has(peer)) this.ports.dropped(peer, answer.reason);
      this.excluded.add(peer);
    } else {
      const known = this.exhaustedAt.get(peer) ?? Number.POSITIVE_INFINITY;
      this.exhaustedAt.set(peer, Math.min(flight.from, known));
    }
    this.retry(flight);
  }

  /**
   * Decodes an answer as it arrives and starts recovering its signers, which then runs while the ranges below it
   * are applied.
   */
  private prepare(range: Range, raw: readonly Uint8Array[]): Prepared {
    let items: CertifiedItems;
    try {
      items = decodeRange(range, raw);
    } catch (err) {
      return { ok: false, err };
    }
    return { ok: true, items, signers: this.ports.recoverSigners?.(items) };
  }

  /** The arrived range that starts at or below the next height, if any (the lowest). */
  private takeDue(): Arrived | undefined {
    const next = this.ports.height() + 1;
    let due: Arrived | undefined;
    for (const range of this.arrived) {
      if (range.from <= next && (due === undefined || range.from < due.from)) due = range;
    }
    if (due !== undefined) this.arrived.splice(this.arrived.indexOf(due), 1);
    return due;
  }

  /** Applies a range's blocks, or hands the range (or what is left of it) to the next peer. */
  private async apply(range: Arrived): Promise<void> {
    const { peer } = range;
    // A peer left out meanwhile (it lied or stalled on another range) is not trusted with this one either.
    if (this.excluded.has(peer)) return this.retry(range);
    const { prepared } = range;
    if (!prepared.ok) {
      this.punish(peer, prepared.err);
      return this.retry(range);
    }
    const { items, signers } = prepared;
    let outcome: { applied: number; error: Error | null };
    try {
      await signers?.ready();
      outcome = await this.ports.applyRange(items, signers);
    } catch (err) {
      // Not the peer's doing: stop here, and let the next sync (the stall watchdog's) try again.
      this.localFailure = errorMessage(err);
      return;
    }
    const { applied, error } = outcome;
    this.applied += applied;
    if (error !== null) {
      this.punish(peer, error);
      return this.retry(range);
    }
    // A short answer: the peer's head, or its response byte budget. Someone is asked for the rest.
    if (items.length < range.count) this.retry(range);
    this.ports.progress({
      height: this.ports.height(),
      applied: this.applied,
      peer,
      blocksPerSecond: Math.round(this.applied / Math.max(0.001, (this.clock() - this.started) / 1000)),
    });
  }

  private punish(peer: string, err: unknown): void {
    this.excluded.add(peer);
    this.ports.penalise(peer, errorMessage(err));
  }

  /** Asks again for what of `range` is still above the head, before any later range. */
  private retry(range: Range): void {
    const from = Math.max(range.from, this.ports.height() + 1);
    const end = range.from + range.count;
    if (from >= end) return;
    const rest = { from, count: end - from };
    const at = this.pending.findIndex((r) => r.from > from);
    this.pending.splice(at < 0 ? this.pending.length : at, 0, rest);
  }
}

/**
 * Decodes an answer and checks it is what was asked: item i is the block of height from + i. The check is
 * against the request, never against our head, which consensus may move while the request is in flight.
 */
export function decodeRange(range: Range, raw: readonly Uint8Array[]): SyncItem[] {
  if (raw.length > range.count) throw new BadRangeError(`${raw.length} blocks for ${range.count} asked`);
  return raw.map((bytes, i) => {
    const item = decodeSyncItem(bytes);
    const expected = range.from + i;
    if (item.block.header.height !== expected) {
      throw new BadRangeError(
        `block ${item.block.header.height} where ${expected} was due (asked ${range.from}..${range.from + range.count - 1})`,
      );
    }
    return item;
  });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
