import { Counter, Histogram, type Registry } from "prom-client";

/** The outputs a metric is labelled with (a bounded set). */
export type OutputName = "webpush" | "fcm" | "webhook";

/** Per-output counters and latency on the process's registry (served on /metrics). */
export class OutputsMetrics {
  private readonly sent: Counter<"output">;
  private readonly failed: Counter<"output">;
  private readonly removed: Counter<"output">;
  private readonly latency: Histogram<"output">;
  private readonly alerts: Counter<"result">;
  private readonly deadLetters: Counter;

  constructor(registry: Registry) {
    const c = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ["output"] as const, registers: [registry] });
    this.sent = c("liveline_output_sent_total", "Notifications and webhook deliveries accepted by their receiver");
    this.failed = c(
      "liveline_output_failed_total",
      "Sends that failed (a webhook try that will be retried counts too)",
    );
    this.removed = c(
      "liveline_output_removed_subscriptions_total",
      "Subscriptions and device tokens removed because the push service said they are gone",
    );
    this.latency = new Histogram({
      name: "liveline_output_latency_seconds",
      help: "From the change being accepted (the event's `at`) to its receiver accepting it",
      labelNames: ["output"] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    this.alerts = new Counter({
      name: "liveline_alerts_total",
      help: "Breaking-news alert decisions: sent, capped (ALERTS_PER_HOUR) or skipped",
      labelNames: ["result"] as const,
      registers: [registry],
    });
    this.deadLetters = new Counter({
      name: "liveline_webhook_dead_letters_total",
      help: "Webhook deliveries moved to the dead letters after their last try",
      registers: [registry],
    });
    for (const output of ["webpush", "fcm", "webhook"] as const) {
      this.sent.inc({ output }, 0);
      this.failed.inc({ output }, 0);
      this.removed.inc({ output }, 0);
    }
  }

  delivered(output: OutputName, acceptedAt: string): void {
    this.sent.inc({ output });
    const at = Date.parse(acceptedAt);
    if (Number.isFinite(at)) this.latency.observe({ output }, Math.max(0, Date.now() - at) / 1000);
  }

  failure(output: OutputName): void {
    this.failed.inc({ output });
  }

  gone(output: OutputName): void {
    this.removed.inc({ output });
  }

  alert(result: "sent" | "capped" | "skipped" | "recalled"): void {
    this.alerts.inc({ result });
  }

  deadLetter(): void {
    this.deadLetters.inc();
  }
}
