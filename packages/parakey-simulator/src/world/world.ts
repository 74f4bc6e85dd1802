import { Prng } from "./prng.js";

/** A place (Parakey "domain"): one customer's site. */
export interface Domain {
  id: string;
  name: string;
}

/** A lock (Parakey "device"; older docs: door / EventConfiguration). */
export interface Lock {
  id: string;
  name: string;
  type: "lock";
  domainId: string;
  /**
   * Has poor connectivity: it holds its unlocks while offline and uploads them later in one batch,
   * so their `timestamp` lies long before their `createdAt`.
   */
  intermittent: boolean;
}

/** A person with keys to one or more places. */
export interface User {
  id: string;
  name: string;
  email: string;
  domainIds: string[];
}

/** A key (Parakey "access"): a set of locks in a place. One per place here. */
export interface Access {
  id: string;
  name: string;
  domainId: string;
}

export interface World {
  seed: number;
  domains: Domain[];
  locks: Lock[];
  users: User[];
  accesses: Access[];
}

export interface WorldOptions {
  seed: number;
  /** Places. Default 2. */
  domains?: number;
  /** Locks, spread over the places. Default 6. */
  locks?: number;
  /** People. Default 20. */
  users?: number;
  /** Share of locks with intermittent connectivity, 0–1. Default 0.2. */
  offlineFraction?: number;
}

const PLACES = ["Headquarters", "Harbour Office", "North Campus", "Depot", "Studio", "Warehouse", "Lab"];
const DOORS = ["Front door", "Back door", "Garage", "Server room", "Storage", "Gym", "Roof", "Bike room"];
const FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Edsger", "Frances", "Tim"];
const LAST = [
  "Lovelace",
  "Turing",
  "Hopper",
  "Torvalds",
  "Hamilton",
  "Thompson",
  "Liskov",
  "Dijkstra",
  "Allen",
];

/**
 * Builds a world of places, locks and people from a seed: the same options give the same world.
 * Ids are readable and stable (`dom_1`, `dev_3`, `usr_12`) so tests and logs can name them.
 *
 * @example
 * const world = createWorld({ seed: 7, domains: 3, locks: 12, users: 50, offlineFraction: 0.25 });
 */
export function createWorld(options: WorldOptions): World {
  const random = new Prng(options.seed);
  const domainCount = Math.max(1, options.domains ?? 2);
  const lockCount = Math.max(1, options.locks ?? 6);
  const userCount = Math.max(1, options.users ?? 20);
  const offlineFraction = Math.min(1, Math.max(0, options.offlineFraction ?? 0.2));

  const domains: Domain[] = Array.from({ length: domainCount }, (_, i) => ({
    id: `dom_${i + 1}`,
    name: `${PLACES[i % PLACES.length]}${i >= PLACES.length ? ` ${Math.floor(i / PLACES.length) + 1}` : ""}`,
  }));
  const domainAt = (i: number): Domain => domains[i % domains.length] as Domain;

  // Exactly round(n · fraction) intermittent locks, chosen by the seed.
  const intermittentCount = Math.round(lockCount * offlineFraction);
  const order = shuffle(
    Array.from({ length: lockCount }, (_, i) => i),
    random,
  );
  const intermittent = new Set(order.slice(0, intermittentCount));
  const locks: Lock[] = Array.from({ length: lockCount }, (_, i) => ({
    id: `dev_${i + 1}`,
    name: random.pick(DOORS),
    type: "lock",
    domainId: domainAt(i).id,
    intermittent: intermittent.has(i),
  }));

  const users: User[] = Array.from({ length: userCount }, (_, i) => {
    const first = random.pick(FIRST);
    const last = random.pick(LAST);
    const home = domainAt(i).id;
    // A few people hold keys to a second place.
    const second = random.chance(0.2) ? random.pick(domains).id : home;
    return {
      id: `usr_${i + 1}`,
      name: `${first} ${last}`,
      // example.com is reserved: simulated people can never be real addresses.
      email: `${first}.${last}.${i + 1}@example.com`.toLowerCase(),
      domainIds: [...new Set([home, second])],
    };
  });

  const accesses: Access[] = domains.map((domain, i) => ({
    id: `acc_${i + 1}`,
    name: `Staff – ${domain.name}`,
    domainId: domain.id,
  }));

  return { seed: options.seed, domains, locks, users, accesses };
}

function shuffle<T>(items: T[], random: Prng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
