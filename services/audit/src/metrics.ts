import { Counter, type Registry } from "prom-client";

export interface AuditMetrics {
  verificationFailures: Counter;
  erased: Counter;
}

/** The audit service's own metrics (the consumer's come from the runtime). */
export function auditMetrics(registry: Registry): AuditMetrics {
  return {
    verificationFailures: new Counter({
      name: "bridge_audit_chain_verification_failures_total",
      help: "Hash-chain verifications that found a broken link (a stored row was changed or removed).",
      registers: [registry],
    }),
    erased: new Counter({
      name: "bridge_audit_personal_data_erased_total",
      help: "Rows whose personal data was erased after the retention period.",
      registers: [registry],
    }),
  };
}
