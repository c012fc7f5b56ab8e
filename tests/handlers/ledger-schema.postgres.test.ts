import { strict as assert } from "node:assert";
import { applySchema, LEDGER_SCHEMA, LEDGER_SCHEMA_VERSION } from "../../handlers/ledger-schema";
import { type Postgres, startPostgres } from "../../tools/harness/postgres";

/** The ledger schema on a real PostgreSQL (15 here; Aurora runs 16), on 127.0.0.1. */
describe("ledger schema on PostgreSQL", function () {
  this.timeout(60_000);
  let postgres: Postgres;

  before(async () => {
    postgres = await startPostgres();
  });
  after(() => postgres?.stop());

  const entry = (payment: string, direction: string, amount: number, currency: string) =>
    `INSERT INTO ledger_entries (payment_id, merchant_id, direction, amount_minor, currency, region)
     VALUES ('${payment}', 'm-1', '${direction}', ${amount}, '${currency}', 'us-east-1')`;

  it("applies, and applies again without error or change", async () => {
    const execute = async (sql: string) => postgres.execute(sql);
    assert.deepEqual(await applySchema(execute), {
      schemaVersion: LEDGER_SCHEMA_VERSION,
      statements: LEDGER_SCHEMA.length,
    });
    assert.deepEqual(await applySchema(execute), {
      schemaVersion: LEDGER_SCHEMA_VERSION,
      statements: LEDGER_SCHEMA.length,
    });
    assert.deepEqual(postgres.query("SELECT version FROM schema_migrations"), [
      LEDGER_SCHEMA_VERSION,
    ]);
    assert.deepEqual(
      postgres.query(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'ledger_entries' ORDER BY indexname",
      ),
      [
        "ledger_entries_by_merchant",
        "ledger_entries_payment_id_direction_key",
        "ledger_entries_pkey",
      ],
    );
  });

  it("records a payment's debit and credit once each", () => {
    postgres.execute(entry("p-1", "debit", 1250, "EUR"));
    postgres.execute(entry("p-1", "credit", 1250, "EUR"));
    assert.throws(
      () => postgres.execute(entry("p-1", "debit", 1250, "EUR")),
      /duplicate key value violates unique constraint "ledger_entries_payment_id_direction_key"/,
    );
    assert.deepEqual(
      postgres.query(
        "SELECT direction, amount_minor FROM ledger_entries WHERE payment_id = 'p-1' ORDER BY direction",
      ),
      ["credit|1250", "debit|1250"],
    );
  });

  it("refuses amounts that are not positive minor units, currencies that are not ISO codes, unknown directions", () => {
    assert.throws(
      () => postgres.execute(entry("p-2", "debit", 0, "EUR")),
      /violates check constraint "ledger_entries_amount_minor_check"/,
    );
    assert.throws(
      () => postgres.execute(entry("p-2", "debit", 100, "eur")),
      /violates check constraint "ledger_entries_currency_check"/,
    );
    assert.throws(
      () => postgres.execute(entry("p-2", "refund", 100, "EUR")),
      /violates check constraint "ledger_entries_direction_check"/,
    );
    assert.deepEqual(
      postgres.query("SELECT count(*) FROM ledger_entries WHERE payment_id = 'p-2'"),
      ["0"],
    );
  });
});
