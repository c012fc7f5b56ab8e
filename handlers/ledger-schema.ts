/**
 * The ledger's schema, as idempotent SQL: applying it to a database that already has it changes
 * nothing, so the deploy-time migration can run again after any partial failure.
 *
 * It also creates the roles the handlers use instead of the master user (PCI DSS 7.2: least
 * privilege): `ledger_writer`, which may only insert and read ledger entries, and two login roles
 * in it, `ledger_writer_a` and `ledger_writer_b`, which the credentials' rotation alternates
 * between (./ledger-credentials.ts), so that the credentials in use always work, and
 * `ledger_rotator`, which the rotation sets their passwords with.
 */
import { createHash } from "node:crypto";
import { type DescribedGlobalCluster, globalClusterView } from "./global-cluster";
import {
  LEDGER_ROTATOR,
  LEDGER_WRITER_GROUP,
  LEDGER_WRITER_USERS,
  type LedgerTarget,
} from "./ledger-credentials";
import { namedError } from "./runtime";

/** A role created unless it exists (PostgreSQL has no CREATE ROLE IF NOT EXISTS). */
const createRole = (name: string, options: string) =>
  `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${name} ${options}; END IF; END $$`;

/** The schema's statements, in order. */
const LEDGER_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ledger_entries (
    entry_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_id text NOT NULL,
    merchant_id text NOT NULL,
    direction text NOT NULL CHECK (direction IN ('debit', 'credit')),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    region text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (payment_id, direction)
  )`,
  "CREATE INDEX IF NOT EXISTS ledger_entries_by_merchant ON ledger_entries (merchant_id, created_at)",
  `CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`,
  createRole(LEDGER_WRITER_GROUP, "NOLOGIN"),
  // Insert and read ledger entries, nothing else: no UPDATE, DELETE, TRUNCATE or DDL.
  `REVOKE ALL ON ledger_entries, schema_migrations FROM ${LEDGER_WRITER_GROUP}`,
  `GRANT SELECT, INSERT ON ledger_entries TO ${LEDGER_WRITER_GROUP}`,
  ...LEDGER_WRITER_USERS.map((user) => createRole(user, `LOGIN IN ROLE ${LEDGER_WRITER_GROUP}`)),
  createRole(LEDGER_ROTATOR, "LOGIN NOINHERIT CREATEROLE"),
  `GRANT ${LEDGER_WRITER_USERS.join(", ")} TO ${LEDGER_ROTATOR} WITH ADMIN OPTION`,
];

/**
 * The schema's version: a digest of its statements, so that any change to them is a new version
 * (the deployment re-runs the migration when it changes), and nobody has to remember to bump one.
 */
export function schemaVersionOf(statements: readonly string[]): string {
  return createHash("sha256").update(statements.join("\n;\n")).digest("hex").slice(0, 16);
}

export const LEDGER_SCHEMA_VERSION = schemaVersionOf(LEDGER_DDL);

/** The statements, then the record of the version they make in schema_migrations. */
export const LEDGER_SCHEMA: readonly string[] = [
  ...LEDGER_DDL,
  `INSERT INTO schema_migrations (version) VALUES ('${LEDGER_SCHEMA_VERSION}') ON CONFLICT (version) DO NOTHING`,
];

export interface MigrationResult {
  readonly schemaVersion: string;
  readonly statements: number;
}

/** Applies the schema statement by statement through `execute`; stops at the first failure. */
export async function applySchema(
  execute: (sql: string) => Promise<void>,
  statements: readonly string[] = LEDGER_SCHEMA,
): Promise<MigrationResult> {
  for (const sql of statements) {
    await execute(sql);
  }
  return { schemaVersion: LEDGER_SCHEMA_VERSION, statements: statements.length };
}

/** Why the ledger cannot take the migration yet; the migration waits and asks again. */
const ledgerNotReady = (why: string) => namedError("LedgerNotReady", why);

/**
 * The region whose cluster is the global writer now: the primary at first, the other after a
 * switchover or failover. While a switch runs no member reports IsWriter (RDS API reference,
 * GlobalClusterMember.IsWriter and FailoverState:
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_GlobalClusterMember.html), so the
 * ledger is not ready until one does.
 */
export function writerTarget(
  cluster: DescribedGlobalCluster | undefined,
  targets: readonly LedgerTarget[],
): LedgerTarget {
  if (cluster === undefined) {
    throw ledgerNotReady("the global cluster does not exist yet");
  }
  const view = globalClusterView(cluster);
  if (view.writer === null) {
    throw ledgerNotReady(
      view.switching === null
        ? "no member of the global cluster is its writer"
        : `the global cluster is switching its writer (${view.switching})`,
    );
  }
  const target = targets.find((t) => t.clusterArn === view.writer);
  if (target === undefined) {
    throw new Error(
      `the global cluster's writer ${view.writer} is not one of this stack's clusters`,
    );
  }
  return target;
}

/**
 * RDS Data API errors that say the cluster cannot take statements yet, rather than that a
 * statement is wrong (RDS Data API Reference, ExecuteStatement, Errors: DatabaseNotFoundException
 * "the DB cluster doesn't have a DB instance", DatabaseResumingException, DatabaseUnavailableException
 * "the writer instance in the DB cluster isn't available", HttpEndpointNotEnabledException,
 * InvalidResourceStateException, InternalServerErrorException, ServiceUnavailableError:
 * https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html).
 * A cluster that was just created, or whose instance is still starting, answers these.
 */
// An array, not a Set: the closure serializer copies a captured Set into a plain object.
export const NOT_READY_ERRORS: readonly string[] = [
  "LedgerNotReady",
  "DatabaseNotFoundException",
  "DatabaseResumingException",
  "DatabaseUnavailableException",
  "HttpEndpointNotEnabledException",
  "InvalidResourceStateException",
  "InternalServerErrorException",
  "ServiceUnavailableError",
  // DescribeGlobalClusters before the global cluster exists (RDS API Reference,
  // DescribeGlobalClusters, Errors: GlobalClusterNotFoundFault:
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeGlobalClusters.html).
  "GlobalClusterNotFoundFault",
];

/**
 * A statement that reached a writer just demoted by a switchover: PostgreSQL refuses it as a
 * read-only transaction (SQLSTATE 25006), which the Data API reports as a DatabaseErrorException;
 * the next attempt asks DescribeGlobalClusters for the new writer.
 */
const DEMOTED_WRITER = /read-only transaction/;

function notReady(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return false;
  }
  return (
    NOT_READY_ERRORS.includes(error.name) ||
    (error.name === "DatabaseErrorException" && DEMOTED_WRITER.test(error.message))
  );
}

export interface Patience {
  /** Milliseconds left before the caller gives up (Lambda: the context's remaining time). */
  readonly remainingMs: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** A number in [0, 1): full jitter. */
  readonly random: () => number;
}

/** The first wait, the longest, and what is kept in reserve to report the failure. */
const FIRST_WAIT_MS = 1_000;
const LONGEST_WAIT_MS = 20_000;
const RESERVE_MS = 5_000;

/**
 * Runs `attempt` until it succeeds, waiting with capped exponential backoff and full jitter while
 * it fails for a not-ready reason; any other error, or not-ready past the time left, is thrown.
 */
export async function untilReady<T>(
  attempt: () => Promise<T>,
  patience: Patience,
): Promise<{ readonly result: T; readonly attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    try {
      return { result: await attempt(), attempts };
    } catch (error) {
      const wait = Math.round(
        patience.random() * Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** (attempts - 1)),
      );
      if (!notReady(error) || patience.remainingMs() - wait < RESERVE_MS) {
        throw error;
      }
      await patience.sleep(wait);
    }
  }
}
