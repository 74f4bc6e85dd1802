import type { Clock } from "@parakey-bridge/service-kit";
import type { SimEventLog } from "./event-log.js";
import { offsetClock } from "./parakey-clock.js";
import { Prng } from "./prng.js";
import type { Access, Domain, Lock, User, World } from "./world.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface GeneratorOptions {
  world: World;
  /** Same seed, same world, same clock readings → the same event logs. */
  seed: number;
  /** The real clock: locks stamp `timestamp` with it. */
  clock: Clock;
  /** Parakey's clock minus the real clock; shifts every `createdAt`. Default 0. */
  clockOffsetMs?: number;
  /** Share of unlocks that fail (and carry no user). Default 0.08. */
  failureRate?: number;
  /** Chance that an offline lock comes back online at each of its unlocks. Default 0.1. */
  reconnectChance?: number;
  /** How long intermittent locks have been offline when the simulation starts. Default 2 days. */
  backlogSpanMs?: number;
  /** Most unlocks an intermittent lock holds from before the simulation started. Default 20. */
  maxHistory?: number;
}

interface Held {
  lock: Lock;
  timestampMs: number;
}

interface OfflineState {
  offlineSinceMs: number;
  held: Held[];
  /** Unlocks from before the simulation started are still to be uploaded. */
  historyPending: boolean;
}

const METHODS = ["app", "app", "app", "app", "nfc", "pin", "remote"];

/**
 * Produces the event logs of a world. Most locks are online: an unlock reaches Parakey within a
 * second or two. Intermittent locks hold their unlocks and upload them in one batch when they
 * reconnect; their first upload also carries what they held from before the simulation started
 * (up to `backlogSpanMs`, two days by default), so `timestamp` lies far before `createdAt`.
 *
 * @example
 * const generator = new EventLogGenerator({ world, seed: 7, clock: systemClock, clockOffsetMs: -5_000 });
 * store.add(generator.tick());
 */
export class EventLogGenerator {
  /** Parakey's clock (the real clock plus the offset): what `createdAt` is stamped with. */
  readonly parakeyClock: Clock;
  private readonly random: Prng;
  private readonly offline = new Map<string, OfflineState>();
  private readonly startedAtMs: number;

  constructor(private readonly options: GeneratorOptions) {
    this.random = new Prng(options.seed).fork(0x5eed);
    this.parakeyClock = offsetClock(options.clock, options.clockOffsetMs ?? 0);
    this.startedAtMs = options.clock.nowMs();
  }

  /**
   * One unlock somewhere in the world. An online lock's unlock comes back at once; an offline
   * lock's is held, and comes back (with everything else it held) when that lock reconnects.
   */
  tick(): SimEventLog[] {
    const lock = this.random.pick(this.options.world.locks);
    if (!lock.intermittent) return [this.liveUnlock(lock)];
    const state = this.offlineStateOf(lock);
    state.held.push({ lock, timestampMs: this.options.clock.nowMs() });
    if (!this.random.chance(this.options.reconnectChance ?? 0.1)) return [];
    return this.reconnect(lock, state);
  }

  /** `count` ticks' worth of event logs. */
  ticks(count: number): SimEventLog[] {
    return Array.from({ length: count }, () => this.tick()).flat();
  }

  /**
   * An unlock reaching Parakey right away (the lock is online), at `lockId` or a random lock.
   *
   * @example
   * const failed = generator.liveUnlock("dev_1", { success: false });
   */
  liveUnlock(lockOrId?: Lock | string, options: { success?: boolean } = {}): SimEventLog {
    const lock = this.lockOf(lockOrId) ?? this.random.pick(this.options.world.locks);
    // Upload latency of an online lock: tens of milliseconds to a second and a half.
    const timestampMs = this.options.clock.nowMs() - this.random.int(50, 1500);
    return this.build(lock, timestampMs, this.parakeyClock.nowMs(), options.success);
  }

  /**
   * A lock reconnects after `spanMs` offline and uploads `count` unlocks spread over that time,
   * oldest first, all with the same `createdAt` (now, on Parakey's clock).
   *
   * @example
   * const twoDaysLate = generator.uploadBacklog({ count: 30, spanMs: 2 * 86_400_000 });
   */
  uploadBacklog(options: { lockId?: string; count?: number; spanMs?: number } = {}): SimEventLog[] {
    const world = this.options.world;
    const intermittent = world.locks.filter((lock) => lock.intermittent);
    const lock =
      this.lockOf(options.lockId) ?? this.random.pick(intermittent.length > 0 ? intermittent : world.locks);
    const nowMs = this.options.clock.nowMs();
    const spanMs = options.spanMs ?? this.options.backlogSpanMs ?? 2 * DAY;
    const held = Array.from({ length: options.count ?? 10 }, () => ({
      lock,
      timestampMs: nowMs - this.random.int(1, Math.max(1, spanMs)),
    }));
    return this.upload(held);
  }

  private offlineStateOf(lock: Lock): OfflineState {
    let state = this.offline.get(lock.id);
    if (!state) {
      state = {
        offlineSinceMs: this.startedAtMs - (this.options.backlogSpanMs ?? 2 * DAY),
        held: [],
        historyPending: true,
      };
      this.offline.set(lock.id, state);
    }
    return state;
  }

  private reconnect(lock: Lock, state: OfflineState): SimEventLog[] {
    const held = state.held;
    if (state.historyPending) {
      const historyEndMs = Math.min(this.startedAtMs, held[0]?.timestampMs ?? this.startedAtMs);
      const count = this.random.int(1, this.options.maxHistory ?? 20);
      for (let i = 0; i < count; i++) {
        held.push({ lock, timestampMs: this.random.int(state.offlineSinceMs, historyEndMs) });
      }
    }
    // It goes offline again right away: an intermittent lock keeps losing its connection.
    state.held = [];
    state.historyPending = false;
    state.offlineSinceMs = this.options.clock.nowMs();
    return this.upload(held);
  }

  private upload(held: Held[]): SimEventLog[] {
    const createdAtMs = this.parakeyClock.nowMs();
    return held
      .sort((a, b) => a.timestampMs - b.timestampMs)
      .map((unlock) => this.build(unlock.lock, unlock.timestampMs, createdAtMs));
  }

  private build(lock: Lock, timestampMs: number, createdAtMs: number, success?: boolean): SimEventLog {
    const world = this.options.world;
    const domain = world.domains.find((d) => d.id === lock.domainId) as Domain;
    const ok = success ?? !this.random.chance(this.options.failureRate ?? 0.08);
    const members = world.users.filter((user) => user.domainIds.includes(domain.id));
    const user: User = this.random.pick(members.length > 0 ? members : world.users);
    const access = world.accesses.find((a) => a.domainId === domain.id) as Access;
    const id = `el_${this.random.hex(24)}`;
    const method = this.random.pick(METHODS);
    return {
      id,
      timestamp: new Date(timestampMs).toISOString(),
      createdAt: new Date(createdAtMs).toISOString(),
      success: ok,
      domain: { id: domain.id, name: domain.name },
      device: { id: lock.id, name: lock.name, type: lock.type },
      // A failed unlock recognised nobody.
      user: ok ? { id: user.id, name: user.name, email: user.email } : null,
      accessKey: ok
        ? { id: `ak_${user.id}_${access.id}`, access: { id: access.id, name: access.name } }
        : null,
      method,
    };
  }

  private lockOf(lockOrId: Lock | string | undefined): Lock | undefined {
    if (lockOrId === undefined) return undefined;
    const id = typeof lockOrId === "string" ? lockOrId : lockOrId.id;
    const lock = this.options.world.locks.find((l) => l.id === id);
    if (!lock) throw new RangeError(`no lock ${id} in this world`);
    return lock;
  }
}
