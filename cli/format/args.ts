import { InvalidArgumentError } from "commander";
import { BridgeClientError } from "../../bridge/client/errors.ts";

/** Commander parsers shared by the bridge and checkpoint commands: a bad flag fails before any network call. */

export function intArg(min: number, max: number) {
  return (value: string): number => {
    if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError("expected a whole number");
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
    return n;
  };
}

export function urlArg(value: string): string {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // Reported below with the same message as a wrong protocol.
  }
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new InvalidArgumentError("expected an http:// or https:// URL, like http://127.0.0.1:8545");
  }
  return value;
}

/** A library validator (addresses, tokens) as a commander parser, so bad input fails as a usage error (exit 2). */
export function inputArg<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (err) {
      if (err instanceof BridgeClientError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}
