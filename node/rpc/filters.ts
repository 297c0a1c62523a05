import { randomBytes } from "node:crypto";
import type { Hex } from "../crypto/index.ts";
import type { PendingTxEvent, RpcBackend } from "./backend.ts";
import { isLoopbackKey } from "./clientLimits.ts";
import { RpcLimitError } from "./errors.ts";
import { type LogMatcher, logMatcher } from "./logs.ts";
import type { LogFilterParams } from "./schemas.ts";

/**
 * The polling filters of eth_newFilter, eth_newBlockFilter and eth_newPendingTransactionFilter, as geth keeps them:
 * in the server, not in a connection (HTTP has none), found by a random id, dropped after a while without a poll.
 */

export interface FilterRegistryOptions {
  /** A filter not polled (eth_getFilterChanges) for this long is dropped (geth: 5 minutes). */
  timeoutMs: number;
  maxPerClient: number;
  maxTotal: number;
  /** Hashes a pending-transaction filter keeps between polls; older ones are dropped first. */
  maxPendingHashes: number;
  /** How often expired filters are swept. */
  sweepIntervalMs: number;
  /** Loopback clients are not capped per client (the total still applies). */
  exemptLoopback: boolean;
}

export interface FilterRegistryModules {
  backend: RpcBackend;
  /** The clock of expiry (default Date.now). */
  now?: () => number;
}

interface FilterBase {
  readonly id: string;
  readonly client: string;
  lastPolled: number;
  /** Polls of one filter run one after the other, so two at once cannot both deliver the same change. */
  busy: Promise<unknown>;
}

/** cursor: the last height whose changes were delivered; the next poll starts above it. */
export interface BlockFilter extends FilterBase {
  readonly kind: "block";
  cursor: number;
}

export interface LogFilter extends FilterBase {
  readonly kind: "logs";
  readonly criteria: LogFilterParams;
  readonly matcher: LogMatcher;
  cursor: number;
}

/** cursor: the sequence number of the next admission to deliver. */
export interface PendingFilter extends FilterBase {
  readonly kind: "pending";
  cursor: number;
}

export type Filter = BlockFilter | LogFilter | PendingFilter;

export type FilterSpec =
  | { kind: "block" }
  | { kind: "logs"; criteria: LogFilterParams }
  | { kind: "pending" };

export class FilterRegistry {
  readonly #filters = new Map<string, Filter>();
  readonly #perClient = new Map<string, number>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;
  readonly #pending = new Set<PendingFilter>();
  /**
   * The hashes admitted while pending filters exist, shared by all of them: an admission costs one push whatever
   * the number of filters. #recent[0] is admission number #firstSeq; #nextSeq is the next one's.
   */
  #recent: Hex[] = [];
  #firstSeq = 0;
  #nextSeq = 0;
  #unsubscribePending: (() => void) | null = null;
  #closed = false;

  constructor(
    private readonly opts: FilterRegistryOptions,
    private readonly modules: FilterRegistryModules,
  ) {
    this.#now = modules.now ?? Date.now;
    this.#sweeper = setInterval(() => this.sweep(), opts.sweepIntervalMs);
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#filters.size;
  }

  countFor(client: string): number {
    return this.#perClient.get(client) ?? 0;
  }

  /** A new filter's id, or RpcLimitError when the client or the node holds its share already. */
  install(client: string, spec: FilterSpec): string {
    if (this.#closed) throw new Error("the filter registry is closed");
    if (this.#filters.size >= this.opts.maxTotal) {
      throw new RpcLimitError(
        "filters",
        `too many filters on this node: the limit is ${this.opts.maxTotal}; uninstall unused ones or retry later`,
      );
    }
    const held = this.countFor(client);
    if (held >= this.opts.maxPerClient && !(this.opts.exemptLoopback && isLoopbackKey(client))) {
      throw new RpcLimitError(
        "filters",
        `too many filters: the limit is ${this.opts.maxPerClient} per client; uninstall unused ones first`,
      );
    }
    const id = `0x${randomBytes(16).toString("hex")}`;
    const base = { id, client, lastPolled: this.#now(), busy: Promise.resolve() };
    const head = this.modules.backend.headHeight();
    let filter: Filter;
    if (spec.kind === "block") filter = { ...base, kind: "block", cursor: head };
    else if (spec.kind === "logs") {
      const { criteria } = spec;
      filter = {
        ...base,
        kind: "logs",
        criteria,
        matcher: logMatcher(criteria.addresses, criteria.topics),
        cursor: head,
      };
    } else {
      filter = { ...base, kind: "pending", cursor: this.#nextSeq };
      this.#pending.add(filter);
      this.#unsubscribePending ??= this.modules.backend.onPendingTx((tx) => this.#onPendingTx(tx));
    }
    this.#filters.set(id, filter);
    this.#perClient.set(client, held + 1);
    return id;
  }

  /** The live filter with this id; an expired one is dropped here even before the sweep comes. */
  get(id: string): Filter | undefined {
    const filter = this.#filters.get(id);
    if (filter === undefined) return undefined;
    if (this.#expired(filter)) {
      this.#remove(filter);
      return undefined;
    }
    return filter;
  }

  /** A poll: the filter lives another timeoutMs from now. */
  touch(filter: Filter): void {
    filter.lastPolled = this.#now();
  }

  uninstall(id: string): boolean {
    const filter = this.get(id);
    if (filter === undefined) return false;
    this.#remove(filter);
    return true;
  }

  /** Runs `work` on `filter` after any poll of it still running. */
  serialized<T>(filter: Filter, work: () => Promise<T>): Promise<T> {
    const run = filter.busy.then(work);
    filter.busy = run.catch(() => {});
    return run;
  }

  /** The hashes admitted since the filter's last poll, oldest first: the newest maxPendingHashes of them. */
  takePending(filter: PendingFilter): Hex[] {
    const start = Math.max(filter.cursor, this.#firstSeq, this.#nextSeq - this.opts.maxPendingHashes);
    filter.cursor = this.#nextSeq;
    return this.#recent.slice(start - this.#firstSeq);
  }

  sweep(): void {
    for (const filter of this.#filters.values()) if (this.#expired(filter)) this.#remove(filter);
  }

  /** Every filter goes with the server: none survives a restart. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const filter of [...this.#filters.values()]) this.#remove(filter);
  }

  #expired(filter: Filter): boolean {
    return this.#now() - filter.lastPolled > this.opts.timeoutMs;
  }

  #remove(filter: Filter): void {
    if (!this.#filters.delete(filter.id)) return;
    const left = this.countFor(filter.client) - 1;
    if (left <= 0) this.#perClient.delete(filter.client);
    else this.#perClient.set(filter.client, left);
    if (filter.kind === "pending" && this.#pending.delete(filter) && this.#pending.size === 0) {
      // Nobody listens any more: the mempool's admissions cost nothing here again.
      this.#unsubscribePending?.();
      this.#unsubscribePending = null;
      this.#firstSeq = this.#nextSeq;
      this.#recent = [];
    }
  }

  #onPendingTx(tx: PendingTxEvent): void {
    this.#recent.push(tx.hash);
    this.#nextSeq++;
    // Trimmed by halves, so a full buffer costs O(1) per admission; takePending never reads past the newest max.
    const max = this.opts.maxPendingHashes;
    if (this.#recent.length >= 2 * max) {
      const drop = this.#recent.length - max;
      this.#recent = this.#recent.slice(drop);
      this.#firstSeq += drop;
    }
  }
}
