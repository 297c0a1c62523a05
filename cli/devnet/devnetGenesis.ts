import { join } from "node:path";
import { DEVNET_DEFAULTS } from "../../genesis/defaults.ts";
import { createNetwork, type NetworkLayout } from "../../genesis/network.ts";
import { DEVNET_PARAMS } from "../../genesis/networkGenesis.ts";
import { runNetworkGenesis } from "../genesisCommand.ts";
import { DEPLOYMENT_FILE, QUIET, VALIDATORS_FILE } from "./deployDevnet.ts";

/**
 * The devnet's genesis, written the way an operator writes one: `outrigger genesis --validators-file
 * --deployment --dev` with the devnet's parameters (the files deployDevnetL1 left in `dir`), checked against the
 * deployment; then each node home gets its config, validator key and a copy of that genesis.
 */
export async function writeDevnetGenesis(
  dir: string,
  opts: {
    validators: number;
    /** Node i's p2p and RPC ports; undefined where each node binds free ones at start. */
    ports: { p2p: number[] | undefined; rpc: number[] | undefined };
    l1RpcUrl: string;
  },
): Promise<NetworkLayout> {
  const genesis = await runNetworkGenesis(
    {
      validatorsFile: join(dir, VALIDATORS_FILE),
      deployment: join(dir, DEPLOYMENT_FILE),
      out: join(dir, "genesis.json"),
      chainId: DEVNET_DEFAULTS.chainId,
      // Deposits count once final: the `finalized` tag, which the devnet's L1 reaches at once (no epochs).
      depositConfirmations: 0,
      dev: true,
      params: DEVNET_PARAMS,
      force: false,
      json: false,
    },
    { out: QUIET, chainIdGiven: true },
  );
  return createNetwork({
    dir,
    validators: opts.validators,
    ports: {
      ...(opts.ports.p2p ? { p2p: opts.ports.p2p } : {}),
      ...(opts.ports.rpc ? { rpc: opts.ports.rpc } : {}),
    },
    l1RpcUrl: opts.l1RpcUrl,
    genesis,
  });
}
