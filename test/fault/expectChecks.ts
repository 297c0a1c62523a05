import { rpc } from "../helpers/cluster.ts";
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
    const node = net.up()[0];
    if (node === undefined) throw new InvariantError("no running node to ask who is jailed");
    const answer = await rpc<ValidatorsAnswer | null>(node.cluster.rpcUrl, "outrigger_validators", []);
    const active = new Set((answer?.validators ?? []).map((v) => v.address.toLowerCase()));
    for (const name of names) {
      if (active.has(net.node(name).address))
        throw new InvariantError(`${name} was expected to be jailed but is still in the active set`);
    }
  },
};

export async function runExpectations(manifest: Manifest, net: FaultNet): Promise<void> {
  if (manifest.expect.jailed.length > 0) await CHECKS.jailed(net, manifest.expect.jailed);
}
