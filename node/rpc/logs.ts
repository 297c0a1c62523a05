import type { Address, Hex } from "../crypto/index.ts";
import type { BlockRecord, Log } from "./backend.ts";
import { blockLogs, type Json, logJson } from "./ethJson.ts";
import type { TopicFilter } from "./schemas.ts";

export interface LogMatcher {
  addresses: ReadonlySet<Address>;
  topics: TopicFilter;
}

export function logMatcher(addresses: Address[], topics: TopicFilter): LogMatcher {
  return { addresses: new Set(addresses), topics };
}

export function matchesLog(m: LogMatcher, log: Log): boolean {
  if (m.addresses.size > 0 && !m.addresses.has(log.address.toLowerCase() as Address)) return false;
  if (m.topics.length > log.topics.length) return false;
  return m.topics.every((alternatives, i) => {
    if (alternatives === null) return true;
    const topic = log.topics[i]?.toLowerCase();
    return topic !== undefined && alternatives.includes(topic as Hex);
  });
}

/** The matching logs of one block, ready to serve. */
export function matchingLogs(record: BlockRecord, m: LogMatcher): Json[] {
  return blockLogs(record)
    .filter((p) => matchesLog(m, p.log))
    .map((p) => logJson(record, p));
}
