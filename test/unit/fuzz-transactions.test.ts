import { describeFuzz } from "../fuzz/suite.ts";
import { transactionTargets } from "../fuzz/transactions.ts";

describeFuzz("fuzzing transactions of every type", transactionTargets, 12_000);
