export { type BackoffOptions, backoffCapMs, DEFAULT_BACKOFF, fullJitterDelayMs } from "./backoff.js";
export {
  createParakeyClient,
  type EventLogPage,
  type EventLogResult,
  type NotModified,
  PARAKEY_API_URL,
  type ParakeyClient,
  type ParakeyClientOptions,
  type ReadOptions,
  type RequestOptions,
} from "./client.js";
export { ParakeyApiError, type ParakeyErrorCode } from "./errors.js";
export { type EventLogItem, eventLogItemOf, eventLogListOf } from "./event-log-items.js";
export {
  DEFAULT_EVENT_LOG_ORDER,
  type EventLogOrder,
  type EventLogsQuery,
  eventLogsSearchParams,
  type ParsedEventLogsQuery,
  parseEventLogsQuery,
  type ResolvedEventLogsQuery,
  selectEventLogs,
} from "./paging.js";
export { parseRetryAfter } from "./retry-after.js";
export type { RetryInfo, Sleep } from "./retrying-request.js";
export {
  createdAtOf,
  PAGING_VIOLATION_REASONS,
  type PagingViolationReason,
  ParakeyPagingError,
  readEventLogWindow,
  type WindowPage,
} from "./window-reader.js";
