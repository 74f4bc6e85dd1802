#!/usr/bin/env node
import { auditService } from "../service.js";

// Operator commands of the audit service, with the service's own environment:
//   verify [--domain <id>]   recompute hash chains (all domains by default); exit 1 when one is broken
//   erase                    erase personal data older than AUDIT_RETENTION_DAYS now
//   redrive | replay         the consumer runtime's commands for the audit group
// With the embedded PGlite store, stop the service first (one process owns its data directory),
// or use GET /v1/verify.
await auditService.cli();
