import { Webhook, type WebhookDeps, type WebhookSettings, type WebhookStats } from "./webhook.js";

/**
 * The webhooks configured in the simulated Parakey account. Every new event log is offered to each
 * of them; each applies its own filters, retries and 410 kill switch.
 *
 * @example
 * const webhooks = new Webhooks({ fetch, retryTimeScale: 0.001, timeoutMs: 15_000, log });
 * webhooks.add({ url: "http://127.0.0.1:8080/webhooks/parakey", headers: { authorization: "Basic …" } });
 * store.onAdded((logs) => webhooks.publish(logs));
 */
export class Webhooks {
  private readonly hooks = new Map<string, Webhook>();
  private nextId = 1;

  constructor(private readonly deps: WebhookDeps) {}

  add(settings: WebhookSettings): Webhook {
    const hook = new Webhook(`wh_${this.nextId++}`, settings, this.deps);
    this.hooks.set(hook.id, hook);
    return hook;
  }

  get(id: string): Webhook | undefined {
    return this.hooks.get(id);
  }

  list(): Webhook[] {
    return [...this.hooks.values()];
  }

  publish(eventLogs: readonly Record<string, unknown>[]): void {
    for (const eventLog of eventLogs) for (const hook of this.hooks.values()) hook.publish(eventLog);
  }

  stats(): WebhookStats[] {
    return this.list().map((hook) => hook.stats());
  }

  /** Resolves once every webhook has delivered, dropped or cancelled everything it was given. */
  async idle(): Promise<void> {
    await Promise.all(this.list().map((hook) => hook.idle()));
  }

  close(): void {
    for (const hook of this.hooks.values()) hook.close();
  }
}
