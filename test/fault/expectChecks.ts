import { eventually, rpc } from "../helpers/cluster.ts";
import type { FaultNet } from "./faultNet.ts";
import { InvariantError } from "./invariants.ts";
import type { Manifest } from "./manifest.ts";

interface ValidatorsAnswer {
  validators: { address: string; jailed: boolean; slashed: string }[];
}

/**
 * The checks a manifest's "expect" may ask for at the end of a scenario, one function per key, so a new kind of
 * expectation (evidence, slashing) is one entry here. Each reads the chain over RPC from a running node.
 */
const CHECKS: Record<"jailed", (net: FaultNet, names: readonly string[]) => Promise<void>> = {
  /**
   * Jailed: out of the active set that signs the next height, its standing jailed and slashed, and every other
   * validator of the first set neither jailed nor slashed (no honest validator pays for another's fault).
   */
  jailed: async (net, names) => {
    // Jailing takes the validator out at an epoch boundary: wait for it, with a deadline against a hang.
    await eventually(
      `${names.join(", ")} out of the active set`,
      async () => {
        const node = net.up()[0];
        if (node === undefined) throw new InvariantError("no running node to ask who is jailed");
        const answer = await rpc<ValidatorsAnswer | null>(node.cluster.rpcUrl, "outrigger_validators", []);
        const active = new Set((answer?.validators ?? []).map((v) => v.address.toLowerCase()));
        return names.every((name) => !active.has(net.node(name).address));
      },
      150_000,
      1000,
    );
    const node = net.up()[0];
    if (node === undefined) throw new InvariantError("no running node to ask who is jailed");
    // The first set holds every genesis validator; each row carries its standing now.
    const first = await rpc<ValidatorsAnswer | null>(node.cluster.rpcUrl, "outrigger_validators", [1]);
    const punished = new Set(names.map((name) => net.node(name).address));
    for (const v of first?.validators ?? []) {
      const address = v.address.toLowerCase();
      const expected = punished.has(address);
      if (v.jailed !== expected || (v.slashed !== "0") !== expected) {
        throw new InvariantError(
          `${address}: jailed ${v.jailed}, slashed ${v.slashed}; expected ${expected ? "jailed and slashed" : "neither"}`,
        );
      }
    }
  },
};

export async function runExpectations(manifest: Manifest, net: FaultNet): Promise<void> {
  if (manifest.expect.jailed.length > 0) await CHECKS.jailed(net, manifest.expect.jailed);
}
