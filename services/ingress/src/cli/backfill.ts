import { ConfigError } from "@parakey-bridge/config";
import { BatchingProducer, bridgeTopicSpecs, createKafka, ensureTopics } from "@parakey-bridge/kafka";
import { createParakeyClient, ParakeyPagingError } from "@parakey-bridge/parakey-client";
import { systemClock } from "@parakey-bridge/service-kit";
import { createLogger } from "@parakey-bridge/telemetry";
import { Presets, SingleBar } from "cli-progress";
import { Registry } from "prom-client";
import { createAllowlist } from "../allowlist.js";
import { BACKFILL_USAGE, parseBackfillArgs } from "../backfill/args.js";
import { type BackfillProgress, runBackfill } from "../backfill/backfill.js";
import { type IngressConfig, loadIngressConfig, producerOptionsOf } from "../config.js";
import { createIngressMetrics } from "../metrics.js";
import { KafkaCheckpointStore } from "../poller/checkpoint-store.js";

// `node services/ingress/dist/cli/backfill.js --integration NAME --from ISO --to ISO` (or `pnpm backfill …`):
// the composition root of the backfill command. Exit codes: 0 done, 1 failed or not done (a range
// whose --to is still ahead is read up to now and left open), 2 usage, 130 interrupted.

const parsed = parseBackfillArgs(process.argv.slice(2));
if (parsed.ok === "help") {
  process.stdout.write(BACKFILL_USAGE);
  process.exit(0);
}
if (parsed.ok === false) {
  process.stderr.write(`${parsed.problems.join("\n")}\n\n${BACKFILL_USAGE}`);
  process.exit(2);
}
const args = parsed.args;

let config: IngressConfig;
try {
  // The command reads the environment of the ingress it runs beside (same Kafka, topics, tokens); it
  // serves no webhook, so the webhook's credential check is waived.
  config = loadIngressConfig({ WEBHOOK_INSECURE_NO_AUTH: "true", LOG_LEVEL: "warn", ...process.env });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const integration = config.poller.integrations.find((candidate) => candidate.name === args.integration);
if (!integration) {
  const known = config.poller.integrations.map((candidate) => candidate.name).join(", ") || "none";
  process.stderr.write(
    `--integration ${args.integration} is not in PARAKEY_API_TOKENS (configured: ${known})\n`,
  );
  process.exit(2);
}

const log = createLogger({ service: "ingress-backfill", level: config.logLevel });
const kafka = createKafka(config.kafka, log);
const registry = new Registry();
const producer = new BatchingProducer(kafka, {
  log,
  registry,
  ...producerOptionsOf(config.producer),
});
const abort = new AbortController();
let interrupted = false;
const onSignal = () => {
  if (interrupted) return;
  interrupted = true;
  abort.abort(new Error("interrupted"));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const span = args.to.getTime() - args.from.getTime();
const bar = new SingleBar(
  {
    format:
      "backfill {integration} [{bar}] {percentage}% | {produced} events | {rate} events/s | createdAt {position}",
    stream: process.stderr,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 5_000,
  },
  Presets.shades_classic,
);

const started = performance.now();
let exitCode = 0;
try {
  if (config.ensureTopics) {
    const specs = bridgeTopicSpecs(config.ensureTopics, { pollerState: config.poller.stateTopic });
    await ensureTopics(kafka, specs, log);
  }
  await producer.start();
  bar.start(span, 0, payload(undefined));
  const result = await runBackfill({
    integration: integration.name,
    from: args.from,
    to: args.to,
    pageSize: args.pageSize ?? config.poller.pageSize,
    restart: args.restart,
    client: createParakeyClient({
      token: integration.token,
      baseUrl: config.poller.apiUrl,
      timeoutMs: config.poller.requestTimeoutMs,
    }),
    sink: producer,
    store: new KafkaCheckpointStore({ kafka, sink: producer, topic: config.poller.stateTopic, log }),
    metrics: createIngressMetrics(registry),
    topics: config.webhook.topics,
    allowlist: createAllowlist(config.webhook.allowlist),
    clock: systemClock,
    signal: abort.signal,
    onProgress: (progress) => bar.update(positionOf(progress), payload(progress)),
  });
  // The last page rarely ends exactly at --to; the range is read to its end once readAndPublish returns.
  if (result.status === "done") bar.update(span, payload(result.progress));
  if (result.status === "open") bar.update(positionOf(result.progress), payload(result.progress));
  bar.stop();
  if (result.status === "already_done") {
    process.stdout.write(`${result.key} finished earlier; nothing to do (--restart reads it again)\n`);
  } else if (result.status === "open") {
    process.stdout.write(
      `backfilled ${result.progress.produced} events up to now, but --to ${args.to.toISOString()} is still ahead: ` +
        "the range is not done; run the same command again after it\n",
    );
    exitCode = 1;
  } else {
    const { progress } = result;
    const seconds = (performance.now() - started) / 1000;
    const resumed = progress.startedAt > args.from ? ` (resumed at ${progress.startedAt.toISOString()})` : "";
    process.stdout.write(
      `backfilled ${progress.produced} events${resumed}: ${progress.pages} pages, ${progress.duplicates} duplicates, ` +
        `${progress.rejected} rejected, ${progress.filtered} filtered in ${seconds.toFixed(1)} s = ` +
        `${Math.round(progress.produced / Math.max(seconds, 0.001))} events/s\n`,
    );
  }
} catch (error) {
  bar.stop();
  if (interrupted) {
    process.stderr.write("interrupted: progress is checkpointed; run the same command to resume\n");
    exitCode = 130;
  } else {
    log.error(
      { err: error, ...(error instanceof ParakeyPagingError ? { pagingViolation: error.reason } : {}) },
      "backfill failed",
    );
    process.stderr.write(
      `backfill failed: ${(error as Error).message}\nprogress is checkpointed; run the same command to resume\n`,
    );
    exitCode = 1;
  }
} finally {
  await producer.stop().catch((error: unknown) => log.warn({ err: error }, "producer stop failed"));
}
process.exit(exitCode);

function positionOf(progress: BackfillProgress): number {
  const at = progress.highWaterMark?.getTime() ?? args.from.getTime();
  return Math.min(span, Math.max(0, at - args.from.getTime()));
}

function payload(progress: BackfillProgress | undefined) {
  const seconds = (performance.now() - started) / 1000;
  const produced = progress?.produced ?? 0;
  return {
    integration: args.integration,
    produced,
    rate: Math.round(produced / Math.max(seconds, 0.001)),
    position: progress?.highWaterMark?.toISOString() ?? "-",
  };
}
