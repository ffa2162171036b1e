import { expect } from "vitest";
import type { ClientOptions } from "@liveline/client-sdk";
import type { Cluster } from "./cluster.js";
import { Fleet, type DeliveryReport } from "./fleet.js";

/** Readers per fault: at least 200, a multiple of 2 servers × 3 feeds. */
export const READERS = 204;

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
