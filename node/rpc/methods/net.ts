import { hexToBytes, keccak256Hex } from "../../crypto/index.ts";
import { quantity } from "../format.ts";
import { dataSchema } from "../schemas.ts";
import { defineMethod, type RpcMethod } from "./define.ts";

export const netMethods: RpcMethod[] = [
  // net_version is the chain id in decimal, as every Ethereum client reports it.
  defineMethod("net_version", [], (_, { backend }) => backend.chain.chainId.toString(10)),
  defineMethod("net_listening", [], () => true),
  defineMethod("net_peerCount", [], async (_, { backend }) => quantity((await backend.status()).peers)),
  defineMethod("web3_clientVersion", [], (_, { backend }) => backend.chain.clientVersion),
  defineMethod("web3_sha3", [dataSchema], ([input]) => keccak256Hex(hexToBytes(input))),
];
