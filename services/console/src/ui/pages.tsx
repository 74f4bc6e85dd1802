import type { Principal } from "@parakey-bridge/auth";
import type { EventPath } from "../console.js";
import type { GroupStatus, PollerFreshness } from "../operations.js";
import type { DayReport, ReconcileReport } from "../reconcile/reconcile.js";
import { Layout } from "./layout.js";

const PLACES = ["parakey", "topic", "audit", "billing", "checkin"] as const;

/** A table's header row: one `th` per column, in order. */
function TableHead(props: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column) => (
          <th>{column}</th>
        ))}
      </tr>
    </thead>
  );
}

export function LoginPage(props: { error?: string | undefined }) {
  return (
    <Layout title="Sign in">
      {props.error && <p class="error">{props.error}</p>}
      <form method="post" action="/ui/login" class="filters">
        <label>
          API key
          <input type="password" name="apiKey" autocomplete="off" required />
        </label>
        <button type="submit">Sign in</button>
      </form>
      <p>Auditors see completeness and event paths; operators can also repair and redrive.</p>
    </Layout>
  );
}

export function ErrorPage(props: { principal?: Principal | undefined; status: number; message: string }) {
  return (
    <Layout title={`Error ${props.status}`} principal={props.principal}>
      <p class="error">{props.message}</p>
      <p>
        <a href="/ui">Back</a>
      </p>
    </Layout>
  );
}

export function RangeForm(props: {
  domain?: string;
  from: string;
  to: string;
  label?: string;
  dayView?: boolean;
}) {
  return (
    <form method="post" action="/ui/reconcile" class="filters">
      {props.dayView && <input type="hidden" name="view" value="day" />}
      <label>
        Domain (empty: all)
        <input name="domain" value={props.domain ?? ""} />
      </label>
      <label>
        From
        <input type="date" name="from" value={props.from} required />
      </label>
      <label>
        To
        <input type="date" name="to" value={props.to} required />
      </label>
      <button type="submit">{props.label ?? "Reconcile"}</button>
    </form>
  );
}

export function HomePage(props: {
  principal: Principal;
  from: string;
  to: string;
  recent: ReconcileReport[];
}) {
  return (
    <Layout title="Completeness" principal={props.principal}>
      <p>
        Reconcile a range: every event log Parakey holds, on the topic and in every sink, per domain and day.
      </p>
      <RangeForm from={props.from} to={props.to} />
      {props.recent.length > 0 && (
        <table>
          <TableHead columns={["Reconciliation", "Range", "Domain", "Verdict"]} />
          <tbody>
            {props.recent.map((r) => (
              <tr>
                <td>
                  <a href={`/ui/reports/${r.id}`} class="id">
                    {r.id.slice(0, 8)}
                  </a>{" "}
                  {r.completedAt}
                </td>
                <td>
                  {r.fromDate} – {r.toDate}
                </td>
                <td>{r.domainId ?? "all"}</td>
                <td class={r.verdict}>{r.verdict}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

export function ReportPage(props: { principal: Principal; report: ReconcileReport; days: DayReport[] }) {
  const { report } = props;
  const domains = [...new Set(props.days.map((d) => d.domainId))].sort();
  const dates = [...new Set(props.days.map((d) => d.date))].sort();
  const cell = (domain: string, date: string) =>
    props.days.find((d) => d.domainId === domain && d.date === date);
  return (
    <Layout title={`Completeness ${report.fromDate} – ${report.toDate}`} principal={props.principal}>
      <p>
        Reconciliation <span class="id">{report.id}</span> at {report.completedAt}:{" "}
        <strong>{report.verdict}</strong> (recorded in the audit hash chain).
      </p>
      <RangeForm
        domain={report.domainId ?? ""}
        from={report.fromDate}
        to={report.toDate}
        label="Reconcile again"
      />
      <table class="grid">
        <TableHead columns={["Domain", ...dates]} />
        <tbody>
          {domains.map((domain) => (
            <tr>
              <th>{domain}</th>
              {dates.map((date) => {
                const day = cell(domain, date);
                if (day === undefined) return <td class="empty">no events</td>;
                return (
                  <td class={day.verdict} data-day={`${domain}/${date}`}>
                    <a href={`/ui/reports/${report.id}/days/${encodeURIComponent(domain)}/${date}`}>
                      {day.verdict === "complete" ? `${day.counts.parakey} ✓` : `${gapCount(day)} missing`}
                    </a>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}

function gapCount(day: DayReport): number {
  return new Set([...Object.values(day.missing).flat(), ...Object.values(day.unknown).flat()]).size;
}

export function DayPage(props: {
  principal: Principal;
  report: ReconcileReport;
  day: DayReport;
  canRepair: boolean;
  notice?: string | undefined;
}) {
  const { day, report } = props;
  const missing = [...new Set(Object.values(day.missing).flat())].sort();
  return (
    <Layout title={`${day.domainId} on ${day.date}: ${day.verdict}`} principal={props.principal}>
      {props.notice && <p class="notice">{props.notice}</p>}
      <p>
        <a href={`/ui/reports/${report.id}`}>Back to the grid</a>
      </p>
      <table>
        <TableHead columns={PLACES} />
        <tbody>
          <tr>
            {PLACES.map((p) => (
              <td>{day.counts[p]}</td>
            ))}
          </tr>
        </tbody>
      </table>
      {(["topic", "audit", "billing", "checkin"] as const).map((place) => (
        <section>
          {day.missing[place].length > 0 && (
            <>
              <h2>Missing from {place}</h2>
              <IdList ids={day.missing[place]} />
            </>
          )}
          {day.unknown[place].length > 0 && (
            <>
              <h2>In {place}, unknown to Parakey</h2>
              <IdList ids={day.unknown[place]} />
            </>
          )}
        </section>
      ))}
      {missing.length > 0 && props.canRepair && (
        <form method="post" action="/ui/repair">
          <input type="hidden" name="reportId" value={report.id} />
          <input type="hidden" name="domain" value={day.domainId} />
          <input type="hidden" name="date" value={day.date} />
          <button type="submit" class="danger">
            Repair: re-send {missing.length} missing event(s)
          </button>
        </form>
      )}
      <RangeForm
        domain={day.domainId}
        from={day.date}
        to={day.date}
        label="Reconcile this day again"
        dayView
      />
    </Layout>
  );
}

function IdList(props: { ids: string[] }) {
  return (
    <ul class="ids">
      {props.ids.map((id) => (
        <li>
          <a class="id" href={`/ui/events?id=${encodeURIComponent(id)}`}>
            {id}
          </a>
        </li>
      ))}
    </ul>
  );
}

export function EventPage(props: {
  principal: Principal;
  id: string;
  path?: EventPath | undefined;
  error?: string | undefined;
}) {
  const { path } = props;
  return (
    <Layout title="Event lookup" principal={props.principal}>
      <form method="get" action="/ui/events" class="filters">
        <label>
          Event log id
          <input name="id" value={props.id} required />
        </label>
        <button type="submit">Look up</button>
      </form>
      {props.error && <p class="error">{props.error}</p>}
      {path && (
        <>
          <p>
            Occurred {path.occurredAt ?? "?"} in {path.domainId ?? "?"}; trace ids:{" "}
            <span class="id">{path.traceIds.join(", ") || "none"}</span>
          </p>
          <h2>Copies on the topics</h2>
          <table>
            <TableHead columns={["kind", "topic", "partition", "offset", "when", "via", "trace", "reason"]} />
            <tbody>
              {path.copies.map((c) => (
                <tr>
                  <td>{c.kind}</td>
                  <td>{c.topic}</td>
                  <td>{c.partition}</td>
                  <td>{c.offset}</td>
                  <td>{c.at}</td>
                  <td>{c.via ?? ""}</td>
                  <td class="id">{c.traceId ?? ""}</td>
                  <td>{c.reason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Sinks</h2>
          <table>
            <TableHead columns={["sink", "written", "detail"]} />
            <tbody>
              {path.sinks.map((s) => (
                <tr>
                  <td>{s.sink}</td>
                  <td>{s.writtenAt}</td>
                  <td>
                    <code>{JSON.stringify(s.detail)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Layout>
  );
}

export function OperationsPage(props: {
  principal: Principal;
  groups: GroupStatus[];
  pollers: PollerFreshness[];
  canRedrive: boolean;
  notice?: string | undefined;
}) {
  return (
    <Layout title="Dead letters & health" principal={props.principal}>
      {props.notice && <p class="notice">{props.notice}</p>}
      <h2>Poller freshness</h2>
      <table>
        <TableHead columns={["integration", "last successful read", "age (s)", "high-water mark"]} />
        <tbody>
          {props.pollers.length === 0 && (
            <tr>
              <td colspan={4}>no poller checkpoint stored</td>
            </tr>
          )}
          {props.pollers.map((p) => (
            <tr>
              <td>{p.integration}</td>
              <td>{p.lastSuccessAt ?? "never"}</td>
              <td class={p.ageSeconds !== null && p.ageSeconds < 600 ? "complete" : "incomplete"}>
                {p.ageSeconds ?? "–"}
              </td>
              <td>{p.highWaterMark ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.groups.map((g) => (
        <section>
          <h2>
            {g.group}: lag {g.lag ?? "?"}, {g.deadLetters.length} dead letter(s)
          </h2>
          {g.error && g.deadLetters.length === 0 && <p>No dead-letter topic read ({g.error}).</p>}
          {g.deadLetters.length > 0 && (
            <table>
              <TableHead columns={["event log id", "when", "code", "reason", "attempts"]} />
              <tbody>
                {g.deadLetters.map((d) => (
                  <tr>
                    <td class="id">{d.eventLogId ?? ""}</td>
                    <td>{d.at}</td>
                    <td>{d.errorCode ?? ""}</td>
                    <td>{d.reason ?? ""}</td>
                    <td>{d.attempts ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {props.canRedrive && g.deadLetters.length > 0 && (
            <form method="post" action="/ui/redrive">
              <input type="hidden" name="group" value={g.group} />
              <button type="submit" class="danger">
                Redrive {g.group}
              </button>
            </form>
          )}
        </section>
      ))}
    </Layout>
  );
}
