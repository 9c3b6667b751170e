// Prometheus text exposition (format 0.0.4) of what the daemon counts. Hand-written: a handful of counters
// and two histograms do not justify a client library on a security tool's dependency list.

const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

class Histogram {
  readonly counts = new Array<number>(LATENCY_BUCKETS_S.length).fill(0);
  sum = 0;
  n = 0;
  observe(seconds: number): void {
    this.sum += seconds;
    this.n++;
    for (let i = 0; i < LATENCY_BUCKETS_S.length; i++)
      if (seconds <= LATENCY_BUCKETS_S[i]!) this.counts[i]!++;
  }
  lines(name: string, labels = ""): string[] {
    const sep = labels ? `${labels},` : "";
    const out = LATENCY_BUCKETS_S.map((b, i) => `${name}_bucket{${sep}le="${b}"} ${this.counts[i]}`);
    out.push(`${name}_bucket{${sep}le="+Inf"} ${this.n}`);
    out.push(`${name}_sum${labels ? `{${labels}}` : ""} ${this.sum}`);
    out.push(`${name}_count${labels ? `{${labels}}` : ""} ${this.n}`);
    return out;
  }
}

function esc(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly decisions = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly fsync = new Histogram();
  private fsyncRecords = 0;
  /** Audit events handed to the writer and not yet durable. */
  auditQueue = 0;
  policyProblems = 0;
  connections = 0;

  request(route: string, status: number, seconds: number): void {
    const key = `route="${esc(route)}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(route);
    if (!h) {
      h = new Histogram();
      this.latency.set(route, h);
    }
    h.observe(seconds);
  }

  decision(kind: string): void {
    this.decisions.set(kind, (this.decisions.get(kind) ?? 0) + 1);
  }

  commit(records: number, ms: number): void {
    this.fsync.observe(ms / 1000);
    this.fsyncRecords += records;
  }

  text(): string {
    const out: string[] = [];
    out.push("# HELP warden_requests_total HTTP requests answered, by route and status.");
    out.push("# TYPE warden_requests_total counter");
    for (const [k, v] of this.requests) out.push(`warden_requests_total{${k}} ${v}`);
    out.push(
      "# HELP warden_decisions_total Decisions given (allow, ask, deny, pass), from evaluate and hooks.",
    );
    out.push("# TYPE warden_decisions_total counter");
    for (const [k, v] of this.decisions) out.push(`warden_decisions_total{decision="${esc(k)}"} ${v}`);
    out.push("# HELP warden_request_duration_seconds Time from request start to answer, by route.");
    out.push("# TYPE warden_request_duration_seconds histogram");
    for (const [route, h] of this.latency)
      out.push(...h.lines("warden_request_duration_seconds", `route="${esc(route)}"`));
    out.push("# HELP warden_audit_queue_depth Audit events waiting to be durable.");
    out.push("# TYPE warden_audit_queue_depth gauge");
    out.push(`warden_audit_queue_depth ${this.auditQueue}`);
    out.push("# HELP warden_audit_fsync_seconds Duration of each group commit (write + fdatasync).");
    out.push("# TYPE warden_audit_fsync_seconds histogram");
    out.push(...this.fsync.lines("warden_audit_fsync_seconds"));
    out.push("# HELP warden_audit_records_total Records made durable by group commits.");
    out.push("# TYPE warden_audit_records_total counter");
    out.push(`warden_audit_records_total ${this.fsyncRecords}`);
    out.push(
      "# HELP warden_policy_problems Policies whose last edit failed to load (the last good one is in force).",
    );
    out.push("# TYPE warden_policy_problems gauge");
    out.push(`warden_policy_problems ${this.policyProblems}`);
    out.push("# HELP warden_open_connections Client connections open now.");
    out.push("# TYPE warden_open_connections gauge");
    out.push(`warden_open_connections ${this.connections}`);
    return `${out.join("\n")}\n`;
  }
}
