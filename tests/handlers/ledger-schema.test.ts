import { strict as assert } from "node:assert";
import { applySchema, LEDGER_SCHEMA, LEDGER_SCHEMA_VERSION } from "../../handlers/ledger-schema";

describe("ledger schema migration", () => {
  describe("core", () => {
    it("is idempotent statement by statement", () => {
      for (const sql of LEDGER_SCHEMA) {
        assert.match(
          sql,
          /^(CREATE (TABLE|INDEX) IF NOT EXISTS|INSERT .* ON CONFLICT \(version\) DO NOTHING$|DO \$\$ BEGIN IF NOT EXISTS \(SELECT FROM pg_roles WHERE rolname = '[a-z_]+'\) THEN CREATE ROLE|REVOKE ALL ON|GRANT SELECT, INSERT ON ledger_entries TO ledger_writer$|GRANT ledger_writer_a, ledger_writer_b TO ledger_rotator WITH ADMIN OPTION$)/s,
          sql,
        );
      }
    });

    it("records its version, and keys ledger entries by payment and direction", () => {
      assert.match(
        LEDGER_SCHEMA.at(-1) ?? "",
        new RegExp(`VALUES \\('${LEDGER_SCHEMA_VERSION}'\\)`),
      );
      assert.match(LEDGER_SCHEMA[0], /UNIQUE \(payment_id, direction\)/);
      assert.match(LEDGER_SCHEMA[0], /amount_minor bigint NOT NULL CHECK \(amount_minor > 0\)/);
    });

    it("applies the statements in order and stops at the first failure", async () => {
      const executed: string[] = [];
      assert.deepEqual(await applySchema(async (sql) => void executed.push(sql)), {
        schemaVersion: LEDGER_SCHEMA_VERSION,
        statements: LEDGER_SCHEMA.length,
      });
      assert.deepEqual(executed, LEDGER_SCHEMA);
      const attempted: string[] = [];
      await assert.rejects(
        applySchema(async (sql) => {
          attempted.push(sql);
          if (attempted.length === 2) {
            throw new Error("database unavailable");
          }
        }),
        { message: "database unavailable" },
      );
      assert.equal(attempted.length, 2);
    });
  });
});
