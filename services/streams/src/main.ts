import { runService } from "@parakey-bridge/service-kit";
import { loadDoorStreamsConfig } from "./config.js";
import { createDoorStreamsService } from "./service.js";

// Composition root of streams: the only module with side effects. A stream that cannot continue
// stops the replica and exits 1, so the orchestrator restarts it.
await runService({
  service: "streams",
  loadConfig: loadDoorStreamsConfig,
  create: createDoorStreamsService,
  started: (service, config, log) => {
    const admin = `http://localhost:${service.admin.port}`;
    log.info(
      {
        admin: [`${admin}/healthz`, `${admin}/readyz`, `${admin}/metrics`],
        group: config.group,
        topics: config.topics,
      },
      `streams running (read_committed output on ${config.topics.doorEvents} and ${config.topics.anonymous}), admin on ${admin}`,
    );
  },
});
