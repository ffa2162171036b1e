import { sleep } from "../helpers/wait.js";
import type { Cluster } from "./cluster.js";

/**
 * Cut every server's pub/sub subscriber connection (`CLIENT KILL`) again and again until
 * `stop` resolves; messages published meanwhile never reach the servers. Returns the cuts.
 */
export async function cutSubscribers(cluster: Cluster, stop: Promise<unknown>): Promise<number> {
  const admin = cluster.admin();
  let cutting = true;
  void stop.finally(() => (cutting = false));
  let cuts = 0;
  try {
    while (cutting) {
      const list = String(await admin.client("LIST"));
      for (const line of list.split("\n")) {
        const id = /\bid=(\d+)\b/.exec(line)?.[1];
        if (id === undefined || !line.includes("name=liveline-subscriber")) continue;
        await admin.client("KILL", "ID", id);
        cuts += 1;
      }
      await sleep(20);
    }
  } finally {
    admin.disconnect();
  }
  return cuts;
}

export type FaultName = "kill-worker" | "kill-server" | "restart-redis" | "cut-subscribers" | "drain-server";

export const FAULTS: readonly FaultName[] = [
  "kill-worker",
  "kill-server",
  "restart-redis",
  "cut-subscribers",
  "drain-server",
];

/** Inject one fault and bring the cluster back to full strength afterwards. */
export async function inject(cluster: Cluster, fault: FaultName): Promise<void> {
  switch (fault) {
    case "kill-worker": {
      const victim = cluster.workers[0];
      if (victim) await cluster.stopWorker(victim, "SIGKILL");
      await cluster.addWorker();
      return;
    }
    case "kill-server":
    case "drain-server": {
      const slot = cluster.servers.findIndex((s) => s !== undefined);
      await cluster.stopServer(slot, fault === "kill-server" ? "SIGKILL" : "SIGTERM");
      await cluster.startServer(slot);
      return;
    }
    case "restart-redis":
      await cluster.redis.kill();
      await sleep(1000);
      await cluster.redis.restart();
      return;
    case "cut-subscribers":
      await cutSubscribers(cluster, sleep(1000));
      return;
  }
}
