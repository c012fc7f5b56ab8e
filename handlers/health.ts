/**
 * GET /health, the deep check Route 53 probes every 10 s: is the region's payments table
 * reachable within a time limit, and which role does the region have (active writer or standby,
 * from the active-region flag)? 200 when the region can serve its role, 503 with the failing
 * check otherwise. One GetItem and one (cached) parameter read per probe.
 *
 * `GET /health?role=active` also answers 503 when the region is not the active writer — its flag
 * names another region, or its ledger does not answer (the Data API answers only where the global
 * database's writer is) — so a region returning after an unplanned failover, whose flag still names
 * itself while its ledger is now a read-only secondary, does not pass: no split brain. The PRIMARY
 * failover record's check asks that, so traffic follows a write failover; the SECONDARY record's
 * check asks plain `/health`, which a ready standby passes.
 *
 * This is the core: the answer for the checks' results, and a check with a time limit. The AWS
 * shell that probes the table and the flag is ./health.lambda.
 */
import type { ApiResponse } from "./payments-api";

/** A check slower than this counts as failed: Route 53 waits 4 s for the whole answer. */
export const CHECK_TIMEOUT_MS = 1_500;

export type CheckResult =
  | { readonly ok: true; readonly latencyMs: number; readonly value?: string }
  | { readonly ok: false; readonly latencyMs: number; readonly error: string };

export interface HealthChecks {
  readonly region: string;
  readonly table: CheckResult;
  readonly activeRegion: CheckResult;
  /** Whether this region's ledger writes: asked only when the caller requires the active writer. */
  readonly ledger?: CheckResult;
}

/** What API Gateway passes the health handler: `?role=active` asks for the active writer. */
export interface HealthRequest {
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
}

/** The health answer for the checks' results; `requireActive`: only the active writer passes. */
export function healthResponse(checks: HealthChecks, requireActive = false): ApiResponse {
  const active = checks.activeRegion.ok ? checks.activeRegion.value : undefined;
  const healthy =
    checks.table.ok &&
    checks.activeRegion.ok &&
    (!requireActive || (active === checks.region && checks.ledger?.ok === true));
  return {
    statusCode: healthy ? 200 : 503,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
    body: JSON.stringify({
      status: healthy ? "healthy" : "unhealthy",
      region: checks.region,
      role: active === undefined ? "unknown" : active === checks.region ? "active" : "standby",
      activeRegion: active ?? null,
      checks: {
        table: checks.table,
        activeRegion: checks.activeRegion,
        ...(checks.ledger === undefined ? {} : { ledger: checks.ledger }),
      },
    }),
  };
}

/** Runs `check` with a time limit; never throws. */
export async function timedCheck(
  check: (signal: AbortSignal) => Promise<string | undefined>,
  timeoutMs: number = CHECK_TIMEOUT_MS,
): Promise<CheckResult> {
  const started = Date.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: "Timeout" }));
      controller.abort();
    }, timeoutMs);
  });
  try {
    const value = await Promise.race([check(controller.signal), timeout]);
    return value === undefined
      ? { ok: true, latencyMs: Date.now() - started }
      : { ok: true, latencyMs: Date.now() - started, value };
  } catch (error) {
    return {
      ok: false,
      latencyMs: Date.now() - started,
      // The name only: the endpoint is public, and AWS messages can carry ARNs and account ids.
      error: error instanceof Error ? error.name : "Error",
    };
  } finally {
    clearTimeout(timer);
  }
}
