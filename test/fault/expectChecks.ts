import { eventually, rpc } from "../helpers/cluster.ts";
import type { FaultNet } from "./faultNet.ts";
import { InvariantError } from "./invariants.ts";
import type { Manifest } from "./manifest.ts";

interface ValidatorsAnswer {
  validators: { address: string }[];
}

/**
 * The checks a manifest's "expect" may ask for at the end of a scenario, one function per key, so a new kind of
 * expectation (evidence, slashing) is one entry here. Each reads the chain over RPC from a running node.
 */
const CHECKS: Record<"jailed", (net: FaultNet, names: readonly string[]) => Promise<void>> = {
  /**
   * Jailed = no longer in the active set that signs the next height (outrigger_validators). The RPC serves no
   * jail flag of its own (DESIGN.md §7); when it does, this is where to read it.
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
  },
};

export async function runExpectations(manifest: Manifest, net: FaultNet): Promise<void> {
  if (manifest.expect.jailed.length > 0) await CHECKS.jailed(net, manifest.expect.jailed);
}
