#!/usr/bin/env node
import { billingService } from "../service.js";

// Operator commands of the billing service, with the service's own environment (KAFKA_*,
// KAFKA_GROUP_ID, TOPIC_EVENT_LOGS, DATABASE_URL or PGLITE_DATA_DIR, DATABASE_SCHEMA):
//   redrive | replay   the consumer runtime's commands for the billing group; replay also rewinds the
//                      offsets the usage store keeps, so the stopped service really re-reads
// Exit codes: 0 done, 1 failed or refused, 2 usage.
await billingService.cli();
