import { request, type IncomingMessage } from "node:http";
import { SseEventId } from "@liveline/protocol";

export interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export interface SseReader {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  /** Every event received so far, in order. */
  readonly messages: SseMessage[];
  /** Comment lines (heartbeats) received so far. */
  readonly comments: string[];
  /** The raw body, for failure messages. */
  body(): string;
  /** True once the response ended or was cut off. */
  ended(): boolean;
  close(): void;
}

/**
 * A raw HTTP client reading a text/event-stream the way the spec says (blocks separated by a
 * blank line; `id:`, `event:`, `data:` fields; `:` comments), without any SSE library.
 */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      const messages: SseMessage[] = [];
      const comments: string[] = [];
      let raw = "";
      let pending = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        raw += chunk;
        pending += chunk;
        let cut: number;
        while ((cut = pending.indexOf("\n\n")) >= 0) {
          const block = pending.slice(0, cut);
          pending = pending.slice(cut + 2);
          const m: SseMessage = { id: undefined, event: undefined, data: "" };
          let hasData = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            else if (line.startsWith("id: ")) m.id = line.slice(4);
            else if (line.startsWith("event: ")) m.event = line.slice(7);
            else if (line.startsWith("data: ")) {
              m.data += (hasData ? "\n" : "") + line.slice(6);
              hasData = true;
            }
          }
          if (hasData) messages.push(m);
        }
      });
      let ended = false;
      res.on("close", () => (ended = true));
      res.on("error", () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        messages,
        comments,
        body: () => raw,
        ended: () => ended,
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** The seq an event's id names (`<epoch>:<seq>`, or a plain `<seq>`); NaN for an event without an id. */
export function seqOf(m: SseMessage): number {
  return m.id === undefined ? Number.NaN : SseEventId.parse(m.id).since;
}
