#!/usr/bin/env node
import { checkInService } from "../service.js";

// Operator commands of the check-in service, with the service's own environment (KAFKA_*,
// KAFKA_GROUP_ID, TOPIC_EVENT_LOGS, DATABASE_URL or PGLITE_DATA_DIR, DATABASE_SCHEMA):
//   redrive | replay   the consumer runtime's commands for the check-in group; replay also rewinds
//                      the offsets the check-in store keeps, so the stopped service really re-reads
// Exit codes: 0 done, 1 failed or refused, 2 usage.
await checkInService.cli();
