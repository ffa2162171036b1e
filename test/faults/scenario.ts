import { afterAll, beforeAll, expect } from "vitest";
import type { ClientOptions } from "@liveline/client-sdk";
import { Cluster, type ClusterOptions } from "./cluster.js";
import { Fleet, type DeliveryReport } from "./fleet.js";

/** Readers per fault: at least 200, a multiple of 2 servers × 3 feeds. */
export const READERS = 204;

export interface FaultContext {
  readonly cluster: Cluster;
  /** The readers of the running test, closed after it (or when the file ends). */
  fleet: Fleet | undefined;
  closeFleet(): void;
}

/** A cluster started before the tests of the enclosing file or `describe`, stopped after them. */
export function useCluster(options: ClusterOptions): FaultContext {
  let cluster: Cluster | undefined;
  const ctx: FaultContext = {
    get cluster(): Cluster {
      if (!cluster) throw new Error("the cluster did not start");
      return cluster;
    },
    fleet: undefined,
    closeFleet() {
      ctx.fleet?.close();
      ctx.fleet = undefined;
    },
  };
  beforeAll(async () => {
    cluster = await Cluster.start(options);
  });
  afterAll(async () => {
    ctx.closeFleet();
    await cluster?.stop();
  });
  return ctx;
}

let round = 0;

/** Three fresh feeds and a fleet of subscribed readers spread over the servers and feeds. */
export async function openScenario(
  cluster: Cluster,
  name: string,
  options: Partial<ClientOptions> = {},
): Promise<{ feeds: string[]; fleet: Fleet }> {
  round += 1;
  const feeds = ["a", "b", "c"].map((x) => `${name}-${round}-${x}`);
  for (const f of feeds) expect((await cluster.api().createFeed(f)).status).toBe(201);
  const fleet = Fleet.open(cluster.urls, feeds, READERS, options);
  await fleet.ready();
  return { feeds, fleet };
}

/** The guarantee, in one assertion: nothing lost, nothing twice, nothing out of order. */
export function expectNothingLost(report: DeliveryReport): void {
  expect(report.problems).toEqual([]);
  expect({
    lost: report.lost,
    duplicated: report.duplicated,
    outOfOrder: report.outOfOrder,
    stateMismatches: report.stateMismatches,
  }).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0, stateMismatches: 0 });
  expect(report.events).toBeGreaterThan(0);
}
