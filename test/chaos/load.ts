import { Prng, type Simulator, startSimulator } from "@parakey-bridge/parakey-simulator";

/** What the simulated Parakey knows about one event log it created. */
export interface Created {
  id: string;
  /** Wall clock when the simulator created it (the start of its end-to-end delay). */
  createdMs: number;
  /** Billing meters it: a successful unlock in a domain. */
  metered: boolean;
  /** Webhook deliveries the chaos fetch swallowed (Parakey lost them for good). */
  dropped: boolean;
  /** A webhook attempt for it got a 2xx from an ingress replica. */
  webhookAccepted: boolean;
  /** The `status` of the first 2xx answer (`accepted`, `duplicate`, …): names the path of a lost event. */
  webhookAnswer?: string;
}

/** Webhook answers as the simulated Parakey saw them. */
export interface WebhookTally {
  ok: number;
  unavailable: number;
  /** 503 answers without a Retry-After header (the ingress promises one). */
  unavailableWithoutRetryAfter: number;
  otherStatus: number;
  /** Connection refused/reset, timeouts: the replica was gone or hung. */
  failed: number;
  dropped: number;
}

export interface LoadOptions {
  port: number;
  token: string;
  webhookPath: string;
  authorization: string;
  /** Unlocks per second. */
  rate: number;
  /** Multiplies Parakey's 20-minute webhook retry schedule. */
  retryTimeScale: number;
  seed: number;
}

/**
 * The simulated Parakey in this process, creating unlocks at a steady rate and keeping its own
 * record of every event log it created. Its webhook goes through a small load balancer over the
 * ingress replicas that are meant to be up (as a Service would), counts every answer, and can lose
 * a share of deliveries for good (`dropFraction`: the simulator believes they were delivered, so it
 * never retries; only the poller can bring them). `startApiFaults` makes a share of Parakey API
 * calls answer 429 or 5xx.
 */
export class Load {
  readonly created = new Map<string, Created>();
  readonly tally: WebhookTally = {
    ok: 0,
    unavailable: 0,
    unavailableWithoutRetryAfter: 0,
    otherStatus: 0,
    failed: 0,
    dropped: 0,
  };
  dropFraction = 0;
  private apiFaultFraction = 0;
  private targets: string[] = [];
  private next = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private faultTicker: ReturnType<typeof setInterval> | undefined;
  private injectedFaults = 0;
  private seenRequests = 0;
  private faultBase = { requests: 0, faulted: 0 };

  /** Starts answering `fraction` of the Parakey API calls from now on with 429 or a 5xx. */
  startApiFaults(fraction: number): void {
    this.faultBase = this.apiCounts();
    this.seenRequests = this.faultBase.requests;
    this.injectedFaults = 0;
    this.apiFaultFraction = fraction;
  }

  /** Stops faulting API calls; returns the calls answered and those faulted since the start. */
  stopApiFaults(): { requests: number; faulted: number } {
    this.apiFaultFraction = 0;
    this.simulator?.api.faults.clear();
    const now = this.apiCounts();
    return {
      requests: now.requests - this.faultBase.requests,
      faulted: now.faulted - this.faultBase.faulted,
    };
  }

  private apiCounts(): { requests: number; faulted: number } {
    const api = this.simulator?.api.stats().api;
    if (!api) return { requests: 0, faulted: 0 };
    const faulted = Object.entries(api.byStatus)
      .filter(([status]) => status === "429" || status.startsWith("5"))
      .reduce((sum, [, n]) => sum + n, 0);
    return { requests: api.total, faulted };
  }
  private readonly random: Prng;
  private simulator: Simulator | undefined;

  constructor(private readonly options: LoadOptions) {
    // Seeded: a scenario drops the same share of deliveries every run.
    this.random = new Prng(options.seed);
  }

  get url(): string {
    if (!this.simulator) throw new Error("simulator not started");
    return this.simulator.url;
  }

  /** The ingress replicas the balancer sends to (base URLs). */
  setTargets(targets: string[]): void {
    this.targets = [...targets];
  }

  async start(): Promise<void> {
    this.simulator = await startSimulator({
      token: this.options.token,
      port: this.options.port,
      host: "127.0.0.1",
      seed: this.options.seed,
      domains: 3,
      locks: 12,
      users: 40,
      offlineFraction: 0,
      retryTimeScale: this.options.retryTimeScale,
      webhooks: [
        {
          url: `http://balancer${this.options.webhookPath}`,
          headers: { Authorization: this.options.authorization },
        },
      ],
      fetch: (input, init) => this.deliver(input, init),
      rate: 0,
      // The suite measures broker and database faults, not Parakey's paging: the simulated API answers
      // oldest-first, one of the behaviours the poller proves (packages/parakey-simulator/README.md).
      // Under the documented behaviour alone, a history shorter than a page cannot be proven
      // complete, and the poller would stop on every read of this young account.
      paging: { ascending: "honoured" },
    });
    this.faultTicker = setInterval(() => this.feedApiFaults(), 100);
  }

  /** Starts creating unlocks at the configured rate. */
  resume(): void {
    if (this.ticker) return;
    const periodMs = 1000 / this.options.rate;
    this.ticker = setInterval(() => this.createOne(), periodMs);
  }

  /** Stops creating (deliveries and retries in flight continue). */
  pause(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Webhook deliveries still in flight or waiting for a retry. */
  pendingDeliveries(): number {
    return this.simulator?.webhooks.stats().reduce((sum, hook) => sum + hook.pending, 0) ?? 0;
  }

  webhookStats() {
    return this.simulator?.webhooks.stats() ?? [];
  }

  async close(): Promise<void> {
    this.pause();
    if (this.faultTicker) clearInterval(this.faultTicker);
    await this.simulator?.close();
  }

  private createOne(): void {
    const simulator = this.simulator;
    if (!simulator) return;
    const createdMs = Date.now();
    for (const eventLog of simulator.api.generate(1)) {
      const id = String(eventLog.id);
      this.created.set(id, {
        id,
        createdMs,
        metered: eventLog.success === true && typeof eventLog.domain === "object" && eventLog.domain !== null,
        dropped: false,
        webhookAccepted: false,
      });
    }
  }

  /** Keeps the injected API faults at `apiFaultFraction` of the API calls since `startApiFaults`. */
  private feedApiFaults(): void {
    const simulator = this.simulator;
    if (!simulator || this.apiFaultFraction <= 0) return;
    const total = simulator.api.stats().api.total;
    if (total === this.seenRequests || simulator.api.faults.pending > 0) return;
    this.seenRequests = total;
    if (this.injectedFaults < this.apiFaultFraction * (total - this.faultBase.requests + 1)) {
      this.injectedFaults += 1;
      simulator.api.faults.inject(
        this.injectedFaults % 2 === 0
          ? { kind: "rate_limit", retryAfterSeconds: 1 }
          : { kind: "server_error", status: this.injectedFaults % 3 === 0 ? 500 : 503 },
      );
    }
  }

  private async deliver(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    // The first attempt starts inside `generate()`, before createOne has recorded the event: let
    // that synchronous code finish so the record exists (found by the first chaos run: nothing was
    // dropped, because no first attempt found its record).
    await Promise.resolve();
    const body = typeof init?.body === "string" ? init.body : "";
    const id = idOf(body);
    const record = id === undefined ? undefined : this.created.get(id);
    if (record && !record.webhookAccepted && this.random.chance(this.dropFraction)) {
      // Lost for good: Parakey believes it delivered the event, so nothing retries it.
      record.dropped = true;
      this.tally.dropped += 1;
      return new Response(null, { status: 204 });
    }
    const target = this.targets.length === 0 ? undefined : this.targets[this.next++ % this.targets.length];
    if (target === undefined) {
      this.tally.failed += 1;
      throw new TypeError("no ingress replica to send to");
    }
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    try {
      const response = await fetch(`${target}${url.pathname}`, init);
      if (response.ok) {
        this.tally.ok += 1;
        if (record && !record.webhookAccepted) {
          record.webhookAccepted = true;
          record.webhookAnswer = await answerStatus(response);
        }
      } else if (response.status === 503) {
        this.tally.unavailable += 1;
        if (!response.headers.has("retry-after")) this.tally.unavailableWithoutRetryAfter += 1;
      } else this.tally.otherStatus += 1;
      return response;
    } catch (error) {
      this.tally.failed += 1;
      throw error;
    }
  }
}

function idOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { id?: unknown };
    return parsed.id === undefined ? undefined : String(parsed.id);
  } catch {
    return undefined;
  }
}

async function answerStatus(response: Response): Promise<string> {
  try {
    const body = (await response.clone().json()) as { status?: unknown };
    return typeof body.status === "string" ? body.status : "no status";
  } catch {
    return "not json";
  }
}
