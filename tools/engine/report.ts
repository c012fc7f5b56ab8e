/**
 * The human-readable plan: what `pulumi preview` would create, grouped by region and by the
 * top-level component each resource belongs to.
 */
import type { Evaluation, RecordedResource } from "./engine";
import type { InvariantResult } from "./invariants";
import { writeFailoverDetectionSeconds } from "../../model/recovery";
import { costEstimate, recoveryBudget } from "./plan-document";
import { type CostEstimate, PER_PAYMENT } from "../../model/cost";
import type { PackResult } from "./policy-runner";
import { asPrinted, withUnknowns } from "./made-up";

const TYPE_WIDTH = 48;

function topComponent(
  resource: RecordedResource,
  byUrn: Map<string, RecordedResource>,
): RecordedResource | undefined {
  let current = resource;
  while (current.parent !== null) {
    const parent = byUrn.get(current.parent);
    if (parent === undefined || parent.type === "pulumi:pulumi:Stack") {
      return current.custom ? undefined : current;
    }
    current = parent;
  }
  return undefined;
}

function depthBelow(
  resource: RecordedResource,
  ancestor: RecordedResource,
  byUrn: Map<string, RecordedResource>,
): number {
  let depth = 0;
  let current: RecordedResource | undefined = resource;
  while (current !== undefined && current.urn !== ancestor.urn) {
    depth += 1;
    current = current.parent === null ? undefined : byUrn.get(current.parent);
  }
  return depth;
}

function line(indent: number, resource: RecordedResource): string {
  return `${"  ".repeat(indent)}+ ${resource.type.padEnd(TYPE_WIDTH - 2 * indent)} ${resource.name}`;
}

function renderRecovery(evaluation: Evaluation): string[] {
  const { traffic, rpo, writePath, targets } = recoveryBudget(evaluation);
  const mark = (within: boolean) => (within ? "✓" : "✗");
  const lines = ["Recovery budget:"];
  lines.push(
    traffic === null
      ? "  - traffic failover: no health-checked failover records yet"
      : `  ${mark(traffic.worstCaseSeconds <= targets.rtoTrafficSeconds)} traffic failover worst case ${traffic.worstCaseSeconds} s = ${traffic.requestIntervalSeconds} s interval × ${traffic.failureThreshold} failed checks + ${traffic.aggregationSeconds} s checker aggregation + ${traffic.ttlSeconds} s TTL (target ${targets.rtoTrafficSeconds} s)`,
  );
  if (rpo !== null) {
    const worst = rpo.paymentsWorstSeconds;
    lines.push(
      `  ${mark(worst !== null && worst <= targets.rpoSeconds)} payments RPO ${worst === null ? "unbounded" : `${worst} s`} (target ${targets.rpoSeconds} s)`,
      ...rpo.stores.map(
        (s) =>
          `      ${s.store}: ${s.seconds === null ? "unbounded" : `${s.seconds} s`} — ${s.basis}`,
      ),
    );
  }
  if (writePath !== null) {
    const { planned, unplanned } = writePath;
    const detection = writeFailoverDetectionSeconds(evaluation.config.alarms.evaluationPeriods);
    lines.push(
      `  - write path (failover runbook, from its start): unplanned ≤ ${unplanned.nominalSeconds} s of waits and polls, ≤ ${unplanned.worstCaseSeconds} s if every AWS call also runs to its timeout; planned ≤ ${planned.nominalSeconds} s / ${planned.worstCaseSeconds} s with its lag wait and drain`,
      `      ${evaluation.config.writeFailover.automatic ? `starts by itself within ${detection} s of an outage (the other region's peer watch: ${evaluation.config.alarms.evaluationPeriods} failed one-minute probes, one more for the alarm), so unplanned from the outage ≤ ${detection + unplanned.nominalSeconds} s / ${detection + unplanned.worstCaseSeconds} s` : "starts when an operator runs it (automaticWriteFailover is off)"}; bounded waits: ${unplanned.steps
        .filter((s) => s.nominalSeconds > 0)
        .map((s) => `${s.state} ${s.nominalSeconds} s`)
        .join(", ")}`,
    );
  }
  return lines;
}

function renderPolicies(pack: PackResult, config: PackConfigSource | undefined): string[] {
  const count = (level: string) =>
    pack.violations.filter((v) => v.enforcementLevel === level).length;
  const source =
    config === undefined
      ? ""
      : config.state === "current"
        ? ` with ${config.file}`
        : ` with the pack configuration ${config.stackFile} makes (${config.file} is ${config.state}: npm run policy-config writes it for pulumi preview)`;
  const lines = [
    `Policies: ${pack.policies.length} run${source} · ${count("mandatory")} mandatory, ${count("advisory")} advisory violations`,
  ];
  for (const v of pack.violations) {
    const mark = v.enforcementLevel === "mandatory" ? "✗" : "!";
    lines.push(`  ${mark} [${v.enforcementLevel}] ${v.policy}: ${v.message}`);
    if (v.urn !== null) {
      lines.push(`      ${v.urn}`);
    }
  }
  return lines;
}

const usd = (amount: number) => Math.round(amount).toLocaleString("en-US");

/** The cost estimate in a few lines: the total, where it goes, and what it assumes. */
function renderCost(cost: CostEstimate): string[] {
  const spread = (by: Readonly<Record<string, number>>) =>
    Object.entries(by)
      .sort(([, a], [, b]) => b - a)
      .map(([name, amount]) => `${name} ${usd(amount)}`)
      .join(" · ");
  const total = (basis: string) =>
    usd(cost.lines.filter((l) => l.basis === basis).reduce((s, l) => s + l.usd, 0));
  const byPrice: Record<string, number> = {};
  for (const line of cost.lines) {
    byPrice[line.price] = (byPrice[line.price] ?? 0) + line.usd;
  }
  const largest = spread(byPrice).split(" · ").slice(0, 4).join(" · ");
  const p = PER_PAYMENT;
  return [
    `Cost estimate: ≈ ${usd(cost.totalUsd)} USD a month (list prices of ${cost.pricesAsOf} in model/prices.ts, free tiers ignored; every function on ${cost.lambdaArchitecture})`,
    `  by region: ${spread(cost.byRegion)}`,
    `  by component: ${spread(cost.byComponent)}`,
    `  fixed ${total("fixed")} · usage ${total("usage")} at ${cost.assumptions.paymentsPerMonth.toLocaleString("en-US")} payments a month (estimatedPaymentsPerMonth), each ${p.apiRequests} API requests, ${p.tableWrites} table writes, ${p.workflowTransitions} workflow transitions, ${p.dataApiRequests} Data API requests (model/cost.ts)`,
    `  largest: ${largest}`,
    ...(cost.unpriced.length > 0 ? [`  not priced: ${cost.unpriced.join("; ")}`] : []),
    `  not estimated: ${cost.notEstimated.join("; ")}`,
  ];
}

/** Where the pack's configuration came from: the stack's, and whether its file agrees. */
export interface PackConfigSource {
  readonly file: string;
  readonly stackFile: string;
  readonly state: "current" | "missing" | "stale";
}

export interface PlanChecks {
  readonly invariants: readonly InvariantResult[];
  readonly pack: PackResult;
  /** The pack configuration the pack ran with, as shown to the reader. */
  readonly packConfig?: PackConfigSource;
}

export function renderPlan(evaluation: Evaluation, checks: PlanChecks): string {
  const { invariants } = checks;
  const { config, resources } = evaluation;
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const roles = new Map<string | null, string>([
    [config.regions.primary, "primary"],
    [config.regions.secondary, "secondary"],
  ]);
  // A global service's resource (IAM, Route 53, …) is listed under "global", whichever regional
  // provider created it: it has no region (the plan JSON's `region` is null for it too).
  const section = (r: RecordedResource) =>
    r.custom && r.type.startsWith("aws:") && r.region === null ? null : r.placement;
  const regionOrder: (string | null)[] = [null, config.regions.primary, config.regions.secondary];
  for (const r of resources) {
    if (!regionOrder.includes(section(r))) {
      regionOrder.push(section(r));
    }
  }

  const out: string[] = [
    `Plan of ${evaluation.project}/${evaluation.stack} (offline: what \`pulumi preview\` would create)`,
    `Regions: primary ${config.regions.primary}, secondary ${config.regions.secondary}`,
    "",
  ];
  for (const region of regionOrder) {
    const members = resources.filter((r) => section(r) === region);
    if (members.length === 0) {
      continue;
    }
    out.push(
      region === null
        ? "global"
        : `${region} (${roles.get(region) ?? "outside the configured regions"})`,
    );
    const components = new Map<string, RecordedResource[]>();
    for (const r of members) {
      const top = topComponent(r, byUrn);
      if (top === undefined) {
        out.push(line(1, r));
      } else {
        components.set(top.urn, [...(components.get(top.urn) ?? []), r]);
      }
    }
    for (const [urn, children] of components) {
      const top = byUrn.get(urn) as RecordedResource;
      out.push(`  ${top.type} ${top.name}`);
      const ordered = children
        .filter((c) => c.urn !== urn)
        .sort((a, b) => a.urn.localeCompare(b.urn));
      for (const child of ordered) {
        out.push(line(1 + depthBelow(child, top, byUrn), child));
      }
    }
  }

  const custom = resources.filter((r) => r.custom).length;
  const perRegion = regionOrder
    .map(
      (region) => `${region ?? "global"} ${resources.filter((r) => section(r) === region).length}`,
    )
    .join(" · ");
  out.push(
    "",
    `Resources: ${resources.length} to create (${custom} custom, ${resources.length - custom} component${resources.length - custom === 1 ? "" : "s"}) · ${perRegion}`,
  );

  const violations = invariants.flatMap((i) => i.violations.map((v) => `  ✗ ${i.name}: ${v}`));
  out.push(
    `Invariants: ${invariants.length} checked, ${violations.length} violated`,
    ...violations,
    ...renderPolicies(checks.pack, checks.packConfig),
    ...renderRecovery(evaluation),
    ...renderCost(costEstimate(evaluation)),
  );

  // Offline, every id, ARN, endpoint and name server is the engine's stand-in: a reader must not
  // take one for the real thing (a mocked name server copied into a parent zone breaks DNS).
  out.push("", "Outputs:");
  for (const [key, value] of Object.entries(evaluation.outputs)) {
    out.push(...foldedOutput(key, withUnknowns(value, evaluation.madeUp)));
  }
  return out.join("\n");
}

/** The plan's print width (the project's Prettier width). */
const WIDTH = 100;

/**
 * An output on one line when it fits the width; otherwise each member of an object (or item of a
 * list) on its own line, under its dotted path, as deep as it takes.
 */
function foldedOutput(path: string, value: unknown): string[] {
  const line = `  ${path}: ${asPrinted(value)}`;
  if (line.length <= WIDTH || typeof value !== "object" || value === null) {
    return [line];
  }
  const members = Array.isArray(value)
    ? value.map((item, i) => [`${path}[${i}]`, item] as const)
    : Object.entries(value).map(([key, item]) => [`${path}.${key}`, item] as const);
  return members.length === 0 ? [line] : members.flatMap(([p, v]) => foldedOutput(p, v));
}
