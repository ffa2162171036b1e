export { OutputsSettings, type VapidSettings } from "./config.js";
export { startOutputs, type OutputsHandle, type StartOutputsOptions } from "./start-outputs.js";
export { OutputsQueue, OUTPUTS_QUEUE, OutputJob } from "./outputs-queue.js";
export { PushStore, recipientId } from "./push-store.js";
export { WebhookStore, subscribes, type StoredWebhook, type StoredDelivery } from "./webhook-store.js";
export { Webhooks, kickOutbox, replayDelivery } from "./webhooks.js";
export {
  Outbound,
  OutboundRefused,
  assertPublicUrl,
  isPrivateAddress,
  type OutboundBody,
  type OutboundGet,
} from "./outbound.js";
export { resolveVapid, type ResolvedVapid } from "./vapid.js";
export { signWebhook } from "./webhook-signing.js";
