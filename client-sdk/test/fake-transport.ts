import type { SubscribeAck, SubscribeRequest, UnsubscribeRequest } from "@liveline/protocol";
import type { Transport, TransportFactory, TransportHandlers, TransportOptions } from "../src/index.js";

interface PendingSubscribe {
  payload: SubscribeRequest;
  answer(ack: SubscribeAck): void;
  timeOut(): void;
}

/**
 * A transport the test drives by hand: it records what the client sends and lets the test
 * play the server (open, close, refuse a handshake, push events, answer subscribes).
 */
export class FakeServer {
  readonly transports: FakeTransport[] = [];
  readonly factory: TransportFactory = (options, handlers) => {
    const t = new FakeTransport(options, handlers);
    this.transports.push(t);
    return t;
  };

  /** The transport the client uses now (the last one it made). */
  get current(): FakeTransport {
    const t = this.transports.at(-1);
    if (t === undefined) throw new Error("the client made no transport");
    return t;
  }
}

export class FakeTransport implements Transport {
  connected = false;
  connects = 0;
  destroyed = false;
  readonly subscribes: PendingSubscribe[] = [];
  readonly unsubscribes: UnsubscribeRequest[] = [];

  constructor(
    readonly options: TransportOptions,
    readonly handlers: TransportHandlers,
  ) {}

  get id(): string | undefined {
    return this.connected ? "fake" : undefined;
  }

  connect(): void {
    this.connects += 1;
  }

  disconnect(): void {
    this.connected = false;
  }

  destroy(): void {
    this.destroyed = true;
    this.connected = false;
  }

  subscribe(payload: SubscribeRequest): Promise<SubscribeAck> {
    return new Promise((resolve, reject) => {
      this.subscribes.push({ payload, answer: resolve, timeOut: () => reject(new Error("timeout")) });
    });
  }

  unsubscribe(payload: UnsubscribeRequest): void {
    this.unsubscribes.push(payload);
  }

  /** The server accepted the connection. */
  open(): void {
    this.connected = true;
    this.handlers.open();
  }

  /** The connection went down. */
  close(initiator: "server" | "network" = "network"): void {
    this.connected = false;
    this.handlers.close(initiator, initiator === "server" ? "io server disconnect" : "transport close");
  }

  /** The last subscribe the client sent, still waiting for its answer. */
  lastSubscribe(): PendingSubscribe {
    const s = this.subscribes.at(-1);
    if (s === undefined) throw new Error("the client sent no subscribe");
    return s;
  }
}
