import type { ReconcileReport } from "./reconcile/reconcile.js";

/**
 * The latest reports this process produced, for the console to show and drill into (the durable
 * record is the audit ledger's entry; the full id lists live here). Bounded: the oldest go first.
 */
export class ReportCache {
  private readonly reports = new Map<string, ReconcileReport>();
  constructor(private readonly max = 50) {}

  add(report: ReconcileReport): void {
    this.reports.set(report.id, report);
    while (this.reports.size > this.max) {
      const oldest = this.reports.keys().next().value;
      if (oldest === undefined) break;
      this.reports.delete(oldest);
    }
  }

  get(id: string): ReconcileReport | undefined {
    return this.reports.get(id);
  }

  recent(limit: number): ReconcileReport[] {
    return [...this.reports.values()].reverse().slice(0, limit);
  }
}
