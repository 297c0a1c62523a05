import { rpcTargets } from "../fuzz/rpc.ts";
import { describeFuzz } from "../fuzz/suite.ts";

describeFuzz("fuzzing JSON-RPC params of every method, and whole bodies", rpcTargets, 4_000);
