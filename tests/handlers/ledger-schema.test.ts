import { strict as assert } from "node:assert";
import {
  applySchema,
  LEDGER_SCHEMA,
  LEDGER_SCHEMA_VERSION,
  schemaVersionOf,
  untilReady,
  writerTarget,
} from "../../handlers/ledger-schema";
import { namedError } from "../../handlers/runtime";

const PRIMARY = {
  region: "us-east-1",
  clusterArn: "arn:aws:rds:us-east-1:111122223333:cluster:acmepay-dev-ledger-use1",
  secretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:acmepay-dev-ledger-admin-AbCdEf",
};
const SECONDARY = {
  region: "us-west-2",
  clusterArn: "arn:aws:rds:us-west-2:111122223333:cluster:acmepay-dev-ledger-usw2",
  secretArn: "arn:aws:secretsmanager:us-west-2:111122223333:secret:acmepay-dev-ledger-admin-AbCdEf",
};
const members = (writer?: string) =>
  [PRIMARY, SECONDARY].map((t) => ({
    DBClusterArn: t.clusterArn,
    IsWriter: t.clusterArn === writer,
  }));

/** A clock that sleeps instantly, with `budgetMs` of Lambda time and a fixed jitter draw. */
function patience(budgetMs: number, draw = 1) {
  let elapsed = 0;
  const waits: number[] = [];
  return {
    waits,
    remainingMs: () => budgetMs - elapsed,
    sleep: async (ms: number) => {
      waits.push(ms);
      elapsed += ms;
    },
    random: () => draw,
  };
}

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

    it("versions itself by a digest of its statements: any change is a new version", () => {
      assert.match(LEDGER_SCHEMA_VERSION, /^[0-9a-f]{16}$/);
      const statements = LEDGER_SCHEMA.slice(0, -1);
      assert.equal(schemaVersionOf(statements), LEDGER_SCHEMA_VERSION);
      const changed = [...statements];
      changed[1] = changed[1].replace("created_at", "created_at DESC");
      assert.notEqual(schemaVersionOf(changed), LEDGER_SCHEMA_VERSION);
      assert.notEqual(schemaVersionOf(statements.slice(1)), LEDGER_SCHEMA_VERSION);
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

  describe("the global writer", () => {
    it("is the member that reports IsWriter, wherever it is", () => {
      assert.equal(
        writerTarget({ GlobalClusterMembers: members(PRIMARY.clusterArn) }, [PRIMARY, SECONDARY]),
        PRIMARY,
      );
      assert.equal(
        writerTarget({ GlobalClusterMembers: members(SECONDARY.clusterArn) }, [PRIMARY, SECONDARY]),
        SECONDARY,
      );
    });

    it("is not ready while no member is the writer, or before the global cluster exists", () => {
      const reasons = [
        { GlobalClusterMembers: members(), FailoverState: { Status: "switching-over" } },
        { GlobalClusterMembers: members() },
        undefined,
      ].map((cluster) => {
        try {
          writerTarget(cluster, [PRIMARY, SECONDARY]);
          return "ready";
        } catch (error) {
          return `${(error as Error).name}: ${(error as Error).message}`;
        }
      });
      assert.deepEqual(reasons, [
        "LedgerNotReady: the global cluster is switching its writer (switching-over)",
        "LedgerNotReady: no member of the global cluster is its writer",
        "LedgerNotReady: the global cluster does not exist yet",
      ]);
    });

    it("refuses a writer that is not one of the stack's clusters", () => {
      assert.throws(
        () =>
          writerTarget(
            {
              GlobalClusterMembers: [
                { DBClusterArn: "arn:aws:rds:eu-west-1:1:cluster:x", IsWriter: true },
              ],
            },
            [PRIMARY],
          ),
        {
          name: "Error",
          message:
            "the global cluster's writer arn:aws:rds:eu-west-1:1:cluster:x is not one of this stack's clusters",
        },
      );
    });
  });

  describe("waiting for the ledger", () => {
    it("retries not-ready errors with capped exponential backoff, then returns", async () => {
      const clock = patience(300_000);
      let calls = 0;
      const outcome = await untilReady(async () => {
        calls += 1;
        if (calls < 7) {
          throw namedError(
            calls % 2 === 0 ? "DatabaseUnavailableException" : "LedgerNotReady",
            "not yet",
          );
        }
        return "migrated";
      }, clock);
      assert.deepEqual(outcome, { result: "migrated", attempts: 7 });
      assert.deepEqual(clock.waits, [1_000, 2_000, 4_000, 8_000, 16_000, 20_000]);
    });

    it("draws each wait at random below its cap (full jitter)", async () => {
      const clock = patience(300_000, 0.25);
      let calls = 0;
      await untilReady(async () => {
        if (++calls < 3) {
          throw namedError("DatabaseResumingException", "resuming");
        }
      }, clock);
      assert.deepEqual(clock.waits, [250, 500]);
    });

    it("retries a statement refused by a writer a switchover just demoted, and a global cluster not yet there", async () => {
      const clock = patience(300_000);
      const failures = [
        namedError("GlobalClusterNotFoundFault", "GlobalCluster acmepay-dev-ledger not found"),
        namedError(
          "DatabaseErrorException",
          "no ledger ran the statement: us-east-1: DatabaseErrorException: ERROR: cannot execute CREATE TABLE in a read-only transaction",
        ),
      ];
      const outcome = await untilReady(async () => {
        const failure = failures.shift();
        if (failure !== undefined) {
          throw failure;
        }
        return "migrated";
      }, clock);
      assert.deepEqual(outcome, { result: "migrated", attempts: 3 });
    });

    it("throws any other error at once, a database error included", async () => {
      await assert.rejects(
        untilReady(async () => {
          throw namedError("DatabaseErrorException", 'ERROR: syntax error at or near "CREAT"');
        }, patience(300_000)),
        { name: "DatabaseErrorException" },
      );
    });

    it("throws a bad request at once", async () => {
      const clock = patience(300_000);
      await assert.rejects(
        untilReady(async () => {
          throw namedError("BadRequestException", "syntax error at or near");
        }, clock),
        { name: "BadRequestException" },
      );
      assert.deepEqual(clock.waits, []);
    });

    it("gives up when the next wait would leave less than 5 s to report", async () => {
      const clock = patience(12_000);
      let calls = 0;
      await assert.rejects(
        untilReady(async () => {
          calls += 1;
          throw namedError(
            "DatabaseNotFoundException",
            "the DB cluster doesn't have a DB instance",
          );
        }, clock),
        { name: "DatabaseNotFoundException" },
      );
      // 12 s: waits of 1 s and 2 s leave 9 s; a third of 4 s would leave 5 s; a fourth of 8 s no.
      assert.deepEqual(clock.waits, [1_000, 2_000, 4_000]);
      assert.equal(calls, 4);
    });
  });
});
