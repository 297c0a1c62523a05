import assert from "node:assert/strict";
import type { Interface } from "ethers";

/** Digs the revert data out of an ethers error, wherever the provider put it. */
export function revertData(err: unknown): string | null {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const item = queue.shift();
    if (typeof item !== "object" || item === null || seen.has(item)) continue;
    seen.add(item);
    const record = item as Record<string, unknown>;
    if (typeof record.data === "string" && /^0x[0-9a-fA-F]*$/.test(record.data) && record.data.length >= 10) {
      return record.data;
    }
    for (const key of ["data", "error", "info", "cause"]) queue.push(record[key]);
  }
  return null;
}

/** Stands for "any value" in the expected arguments of expectRevert. */
export const ANY: unique symbol = Symbol("any");

/**
 * Asserts that `action` reverts with the custom error `name` of `iface` (and, if given, exactly these arguments).
 * Anything else, including success or a different error, fails the test.
 */
export async function expectRevert(
  action: Promise<unknown>,
  iface: Interface,
  name: string,
  args?: readonly unknown[],
): Promise<void> {
  let failure: unknown;
  try {
    await action;
  } catch (err) {
    failure = err;
  }
  assert.ok(failure !== undefined, `expected a revert with ${name}, but the call succeeded`);
  const data = revertData(failure);
  assert.ok(data !== null, `expected ${name}, got an error without revert data: ${String(failure)}`);
  const parsed = iface.parseError(data);
  assert.ok(parsed !== null, `expected ${name}, got undecodable revert data ${data}`);
  assert.equal(parsed.name, name, `expected ${name}, got ${parsed.name}(${parsed.args.join(", ")})`);
  if (args !== undefined) {
    const actual = [...parsed.args];
    assert.equal(actual.length, args.length, `argument count of ${name}`);
    args.forEach((want, i) => {
      if (want === ANY) return;
      const got = actual[i];
      const norm = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : v);
      assert.deepEqual(norm(got), norm(want), `argument ${i} of ${name}`);
    });
  }
}
