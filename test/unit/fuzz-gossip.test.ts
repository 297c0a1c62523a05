import { gossipTargets } from "../fuzz/gossip.ts";
import { describeFuzz } from "../fuzz/suite.ts";

describeFuzz("fuzzing gossip messages of every topic", gossipTargets, 40_000);
