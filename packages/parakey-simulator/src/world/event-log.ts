/**
 * An event log as the simulator emits it: the shape the contracts package assumes
 * (`eventLogFixture()`), served by `GET /eventLogs` and posted, unchanged, by webhooks.
 *
 * A type alias rather than an interface so it is assignable to `Record<string, unknown>` (the store).
 */
export type SimEventLog = {
  id: string;
  /** The unlock, on the lock's clock. */
  timestamp: string;
  /** When Parakey received it, on Parakey's clock. */
  createdAt: string;
  success: boolean;
  domain: { id: string; name: string };
  device: { id: string; name: string; type: string };
  /** Null for a failed unlock: nobody was recognised. */
  user: { id: string; name: string; email: string } | null;
  accessKey: { id: string; access: { id: string; name: string } } | null;
  method: string;
};
