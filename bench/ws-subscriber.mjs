// A reader that speaks Socket.IO v5 / Engine.IO v4 over a plain WebSocket (the `ws` package),
// so that 10,000 of them cost the load generator far less CPU than socket.io-client would.
//
// Wire format (https://socket.io/docs/v4/socket-io-protocol/):
//   server "0{sid,pingInterval,…}"  engine.io open      → client "40" (connect default namespace)
//   server "40{sid}"                namespace connected → client '421["subscribe",{feedId}]'
//   server '431[{ok:true,…}]'       ack of id 1         → subscribed
//   server '42["feed:event",{…}]'   event
//   server "2"                      ping                → client "3"
import WebSocket from "ws";
import { clearTimeout, setTimeout } from "node:timers";
import { Buffer } from "node:buffer";

const PING = 0x32; // "2"
const MARK = Buffer.from("bench#");

/**
 * Parse `bench#<entry>@<publish time>` out of an event frame without JSON-parsing the
 * ~1 KB payload: Buffer.indexOf is native, and the marker is unique to the headline.
 * @returns [entry index, publish time] or undefined
 */
export function parseMark(buf) {
  const at = buf.indexOf(MARK);
  if (at < 0) return undefined;
  let i = at + MARK.length;
  let k = 0;
  while (i < buf.length && buf[i] >= 0x30 && buf[i] <= 0x39) k = k * 10 + (buf[i++] - 0x30);
  if (buf[i] !== 0x40) return undefined; // "@"
  const start = ++i;
  while (i < buf.length && ((buf[i] >= 0x30 && buf[i] <= 0x39) || buf[i] === 0x2e)) i++;
  return [k, Number(buf.toString("latin1", start, i))];
}

/**
 * Open one subscriber. `onMark(entry, publishedAt)` is called for every event frame that
 * carries a bench mark; `onLost()` when the connection ends after it was subscribed.
 * Resolves once the subscribe ack answered ok; rejects on any failure before that.
 */
export function openSubscriber(wsUrl, feedId, onMark, onLost, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    // No localAddress: an explicit bind() makes the kernel search for a free port per socket (slow
    // at 10,000); the URL already names 127.0.0.1, so connect() picks the port itself.
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    let subscribed = false;
    let settled = false;
    const fail = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error("subscribe timed out")), timeoutMs);
    ws.on("message", (data) => {
      const buf = data;
      if (buf.length === 1 && buf[0] === PING) {
        ws.send("3");
        return;
      }
      // "42[" event: the hot path.
      if (buf[0] === 0x34 && buf[1] === 0x32) {
        const m = parseMark(buf);
        if (m) onMark(m[0], m[1]);
        return;
      }
      const text = buf.toString();
      if (text.startsWith("0{")) ws.send("40");
      else if (text.startsWith("40")) ws.send(`421${JSON.stringify(["subscribe", { feedId }])}`);
      else if (text.startsWith("431")) {
        if (!text.includes('"ok":true')) return fail(new Error(`subscribe refused: ${text.slice(0, 200)}`));
        subscribed = true;
        settled = true;
        clearTimeout(timer);
        resolve(ws);
      } else if (text.startsWith("44")) fail(new Error(`namespace refused: ${text.slice(0, 200)}`));
    });
    ws.on("error", (err) => fail(err));
    ws.on("close", () => {
      if (subscribed) onLost();
      else fail(new Error("closed before subscribing"));
    });
  });
}
