/**
 * The sweeper and the reconciler: the active region's scheduled repair of what the money path
 * leaves behind, over ports the AWS shell (./sweeper.lambda) or a test provides.
 *
 * - `sweep` re-queues payments still RECEIVED long after they were accepted: a message lost after
 *   the API's 202, a send that failed while the client never retried, a payment parked in a region
 *   that could not be drained. It reads the payments table's sparse `pending` index (only RECEIVED
 *   payments are in it) and claims each re-queue with the same conditional update the API's replay
 *   uses (`queuedAt`), so a payment is re-queued at most once per window however many sweeps and
 *   replays race.
 * - `reconcile` re-records ledger entries that the ledger lacks for COMPLETED payments: after an
 *   unplanned failover (`FailoverGlobalCluster` with AllowDataLoss) the ledger loses what it had
 *   not replicated (Aurora's RPO), while the payments table, replicated on its own, may already say
 *   COMPLETED. It reads the `bySettledHour` index for the recent hours, asks the ledger which
 *   entries exist, and inserts the missing ones from the stored record — idempotent by the
 *   ledger's unique key.
 *
 * Both act only where the region is the active writer (the processor's gate); elsewhere they do
 * nothing.
 */
import { type Payment, paymentFields, type PaymentRecord } from "./payment";
import { PENDING_SHARD_KEYS } from "./payment";

export interface SweepSettings {
  /** Only payments accepted longer ago than this are re-queued. */
  readonly minAgeSeconds: number;
  /** A payment queued within this window (by the API or a sweep) is not queued again. */
  readonly requeueWindowSeconds: number;
  /** Most payments re-queued per run (the function's time limit bounds a run). */
  readonly maxPerRun: number;
}

export interface SweepPorts {
  /** RECEIVED payments of one shard accepted before `before`, oldest first, at most `limit`. */
  pending(shard: string, before: string, limit: number): Promise<readonly PaymentRecord[]>;
  /** The API's claim: marks the payment queued at `at` unless it was queued after `cutoff`. */
  claimRequeue(paymentId: string, at: string, cutoff: string): Promise<boolean>;
  enqueue(payment: Payment): Promise<void>;
}

export interface SweepReport {
  /** RECEIVED payments older than the minimum age. */
  readonly stale: number;
  readonly requeued: number;
  /** Queued within the window already (by a replay or an earlier sweep). */
  readonly recentlyQueued: number;
  readonly failed: number;
}

export async function sweep(
  now: Date,
  settings: SweepSettings,
  ports: SweepPorts,
): Promise<SweepReport> {
  const before = new Date(now.getTime() - settings.minAgeSeconds * 1000).toISOString();
  const cutoff = new Date(now.getTime() - settings.requeueWindowSeconds * 1000).toISOString();
  const at = now.toISOString();
  let [stale, requeued, recentlyQueued, failed] = [0, 0, 0, 0];
  for (const shard of PENDING_SHARD_KEYS) {
    const left = settings.maxPerRun - stale;
    if (left <= 0) {
      break;
    }
    for (const record of await ports.pending(shard, before, left)) {
      stale += 1;
      if (!(await ports.claimRequeue(record.paymentId, at, cutoff))) {
        recentlyQueued += 1;
        continue;
      }
      try {
        await ports.enqueue(paymentFields(record));
        requeued += 1;
      } catch (error) {
        // Claimed but not sent: the next sweep after the window tries again.
        console.error(`payment ${record.paymentId}: not re-queued`, error);
        failed += 1;
      }
    }
  }
  return { stale, requeued, recentlyQueued, failed };
}

/** A COMPLETED payment as the `bySettledHour` index projects it: what its ledger entry holds. */
export interface SettledPayment {
  readonly paymentId: string;
  readonly merchantId: string;
  readonly amountMinor: number;
  readonly currency: string;
  /** The region that settled it (the ledger entry's region). */
  readonly region: string;
}

export interface ReconcileSettings {
  /** How many hours back, this one included, each run checks. */
  readonly lookbackHours: number;
}

export interface ReconcilePorts {
  /** COMPLETED payments that settled in the hour (`2026-11-29T21`). */
  settled(hour: string): Promise<readonly SettledPayment[]>;
  /** Which of these payments have their debit in the ledger. */
  recorded(paymentIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** Inserts the debit unless it exists (the ledger's unique key); true when it inserted. */
  record(payment: SettledPayment): Promise<boolean>;
}

export interface ReconcileReport {
  readonly checked: number;
  readonly missing: number;
  readonly restored: number;
}

/** The hour keys (`YYYY-MM-DDTHH`, UTC) from `hours - 1` hours ago to the current one. */
export function recentHours(now: Date, hours: number): string[] {
  return Array.from({ length: hours }, (_, i) =>
    new Date(now.getTime() - (hours - 1 - i) * 3_600_000).toISOString().slice(0, 13),
  );
}

/** The ledger checks at most this many ids per statement. */
const LEDGER_BATCH = 200;

export async function reconcile(
  now: Date,
  settings: ReconcileSettings,
  ports: ReconcilePorts,
): Promise<ReconcileReport> {
  let [checked, missing, restored] = [0, 0, 0];
  for (const hour of recentHours(now, settings.lookbackHours)) {
    const settled = await ports.settled(hour);
    for (let i = 0; i < settled.length; i += LEDGER_BATCH) {
      const batch = settled.slice(i, i + LEDGER_BATCH);
      const present = await ports.recorded(batch.map((p) => p.paymentId));
      checked += batch.length;
      for (const payment of batch.filter((p) => !present.has(p.paymentId))) {
        missing += 1;
        if (await ports.record(payment)) {
          restored += 1;
        }
      }
    }
  }
  return { checked, missing, restored };
}
