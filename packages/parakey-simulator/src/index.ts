export { createSimulatorApp, type SimulatorAppDeps } from "./api/app.js";
export type { SimulatorStats } from "./api/control-routes.js";
export { type Fault, FaultInjector, type FaultSpec } from "./api/faults.js";
export {
  type ApiRoute,
  type ApiStatsSnapshot,
  type RecordedRequest,
  RequestStats,
} from "./api/request-stats.js";
export {
  createSimulator,
  type InProcessSimulator,
  type Simulator,
  type SimulatorControl,
  type SimulatorOptions,
  type StartSimulatorOptions,
  startSimulator,
} from "./simulator.js";
export { DuplicateEventLogError, EventLogStore, type StoredEventLog } from "./store/event-log-store.js";
export {
  DOCUMENTED_PAGING,
  describePaging,
  PagingBehaviour,
  pagingMatrix,
} from "./store/paging-behaviour.js";
export {
  type DeliveryFilterSettings,
  deliveryVerdict,
  type FilterVerdict,
} from "./webhooks/delivery-filter.js";
export {
  retryDelayMs,
  retryOffsetsMs,
  WEBHOOK_RETRIES,
  WEBHOOK_RETRY_DELAYS_MS,
  WEBHOOK_TIMEOUT_MS,
} from "./webhooks/retry-schedule.js";
export {
  WEBHOOK_USER_AGENT,
  Webhook,
  type WebhookDeps,
  type WebhookSettings,
  type WebhookStats,
} from "./webhooks/webhook.js";
export { Webhooks } from "./webhooks/webhooks.js";
export type { SimEventLog } from "./world/event-log.js";
export { EventLogGenerator, type GeneratorOptions } from "./world/generator.js";
export { offsetClock } from "./world/parakey-clock.js";
export { Prng } from "./world/prng.js";
export {
  type Access,
  createWorld,
  type Domain,
  type Lock,
  type User,
  type World,
  type WorldOptions,
} from "./world/world.js";
