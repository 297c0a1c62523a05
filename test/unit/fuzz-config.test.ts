import { configTargets } from "../fuzz/config.ts";
import { describeFuzz } from "../fuzz/suite.ts";

describeFuzz("fuzzing config.toml, its resolution and genesis.json", configTargets, 20_000);
