import type { RequestIdVariables } from "hono/request-id";
import type { WebhookOutcome } from "./metrics.js";

/** Hono variables of the ingress app: the request id and the outcome the metrics record. */
export interface AppEnv {
  Variables: RequestIdVariables & { outcome: WebhookOutcome };
}
