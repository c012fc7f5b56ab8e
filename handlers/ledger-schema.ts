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
import { LEDGER_ROTATOR, LEDGER_WRITER_GROUP, LEDGER_WRITER_USERS } from "./ledger-credentials";

/** Bump when a statement changes: the deployment re-runs the migration when this changes. */
export const LEDGER_SCHEMA_VERSION = "2026-11-30.1";

/** A role created unless it exists (PostgreSQL has no CREATE ROLE IF NOT EXISTS). */
const createRole = (name: string, options: string) =>
  `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${name} ${options}; END IF; END $$`;

export const LEDGER_SCHEMA: readonly string[] = [
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
