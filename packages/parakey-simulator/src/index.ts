// What the bridge's tests and tools use of the simulator; the rest is internal.
export {
  createSimulator,
  type InProcessSimulator,
  type Simulator,
  startSimulator,
} from "./simulator.js";
export type { StoredEventLog } from "./store/event-log-store.js";
export {
  DOCUMENTED_PAGING,
  describePaging,
  PagingBehaviour,
  pagingMatrix,
} from "./store/paging-behaviour.js";
export { Prng } from "./world/prng.js";
