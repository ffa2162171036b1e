import { describe, it } from "vitest";
import { sleep } from "../helpers/wait.js";
import { FAULTS, inject } from "./faults.js";
import { verifyDelivery } from "./fleet.js";
import { publishStream } from "./publisher.js";
import { expectNothingLost, openScenario, useCluster } from "./scenario.js";

// `npm run soak`: the fault tests' harness for longer — SOAK_ROUNDS rounds (default 10, at most
// 50) of 10 s of publishing at 20/s with one fault in the middle of each, every fault in turn.
const ROUNDS = Math.min(50, Number(process.env.SOAK_ROUNDS ?? 10));

const ctx = useCluster({ servers: 2, workers: 2 });

describe("soak: publishing through one fault after another", () => {
  for (let round = 0; round < ROUNDS; round++) {
    const fault = FAULTS[round % FAULTS.length] ?? "kill-worker";
    it(`round ${round + 1}: ${fault}`, async () => {
      const { cluster } = ctx;
      const s = await openScenario(cluster, `soak-${fault}`);
      ctx.fleet = s.fleet;
      const stream = publishStream(cluster.apis(), { feeds: s.feeds, maxEntries: 200 });
      await sleep(4000);
      await inject(cluster, fault);
      const log = await stream;
      expectNothingLost(await verifyDelivery(`soak ${fault}`, cluster.api(), s.fleet, log));
      ctx.closeFleet();
    });
  }
});
