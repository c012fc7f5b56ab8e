import { strict as assert } from "node:assert";
import {
  LEDGER_WRITER_USERS,
  nextUser,
  parseCredentials,
  setPasswordStatement,
} from "../../handlers/ledger-credentials";
import { applySchema } from "../../handlers/ledger-schema";
import { stackPlan } from "../fixtures/plan";
import type { Evaluation } from "../../tools/engine/engine";
import { type DataApiServer, startDataApi } from "../../tools/harness/data-api";
import { type AwsStub, secretsManagerFake, startAwsStub } from "../../tools/harness/emulators";
import { type Postgres, startPostgres } from "../../tools/harness/postgres";
import { runSerializedSequence, serializedCode } from "../../tools/harness/serialized";

const STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;

describe("ledger credentials", () => {
  it("alternate between the two writer roles, starting with the first", () => {
    assert.deepEqual([undefined, "ledger_writer_a", "ledger_writer_b"].map(nextUser), [
      "ledger_writer_a",
      "ledger_writer_b",
      "ledger_writer_a",
    ]);
  });

  it("refuse anything but a writer role and a plain password in ALTER ROLE", () => {
    const password = "A1".repeat(20);
    assert.equal(
      setPasswordStatement("ledger_writer_b", password),
      `ALTER ROLE ledger_writer_b WITH LOGIN PASSWORD '${password}'`,
    );
    assert.throws(() => setPasswordStatement("ledger_admin", password), /not a ledger writer/);
    assert.throws(() => setPasswordStatement("ledger_writer_a", `${password}'; DROP`), /password/);
    assert.throws(() => setPasswordStatement("ledger_writer_a", "short1"), /password/);
  });
});

/**
 * The rotation function as deployed (its serialized form), on a Secrets Manager fake that follows
 * the API Reference's versions and staging labels, and the Data API on PostgreSQL: PostgreSQL
 * judges the roles' privileges, and which role the secret's current version names.
 */
describe("ledger credentials rotation (serialized) against PostgreSQL", function () {
  this.timeout(60_000);
  let evaluation: Evaluation;
  let postgres: Postgres;
  let dataApi: DataApiServer;
  let aws: AwsStub;
  const secrets = secretsManagerFake();
  let writer = "";
  let code: string;
  let environment: Record<string, string>;
  let secretId: string;
  let targets: { region: string; clusterArn: string; secretArn: string }[];

  before(async () => {
    evaluation = await stackPlan("dev");
    code = serializedCode(evaluation, "primary-data-ledger-rotation");
    const fn = evaluation.resources.find(
      (r) => r.type === "aws:lambda/function:Function" && r.name === "primary-data-ledger-rotation",
    );
    const variables = (fn?.outputs.environment as { variables: Record<string, string> }).variables;
    targets = JSON.parse(variables.LEDGER_TARGETS) as typeof targets;
    postgres = await startPostgres();
    await applySchema(async (sql) => postgres.execute(sql));
    writer = targets[0].clusterArn;
    // The rotator's secret logs in as ledger_rotator: PostgreSQL judges what it may do.
    const rotatorSecrets = new Set(targets.map((t) => t.secretArn));
    dataApi = await startDataApi(postgres, {
      writer: () => writer,
      userOf: (secretArn) => (rotatorSecrets.has(secretArn) ? "ledger_rotator" : undefined),
    });
    aws = await startAwsStub(secrets.handlers);
    secretId = String(
      evaluation.resources.find(
        (r) =>
          r.type === "aws:secretsmanager/secret:Secret" && r.name === "primary-data-ledger-writer",
      )?.outputs.arn,
    );
    environment = {
      ...variables,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      AWS_ENDPOINT_URL_RDS_DATA: dataApi.endpoint,
    };
    // As the migration leaves it: the first role, its password set.
    const first = {
      engine: "postgres",
      username: "ledger_writer_a",
      password: "Initial0".repeat(5),
      dbname: "ledger",
    };
    secrets.create(secretId, { value: JSON.stringify(first), rotationEnabled: true });
    postgres.execute(setPasswordStatement(first.username, first.password));
  });

  after(async () => {
    await aws?.close();
    await dataApi?.close();
    postgres?.stop();
  });

  const current = () => {
    const versions = secrets.secrets.get(secretId);
    const found = [...(versions ?? [])].find(([, v]) => v.stages.includes("AWSCURRENT"));
    return { versionId: found?.[0], credentials: parseCredentials(String(found?.[1].value)) };
  };
  const passwordHash = (role: string) =>
    postgres.query(`SELECT rolpassword FROM pg_authid WHERE rolname = '${role}'`)[0];

  /** One rotation as Secrets Manager runs it: a new AWSPENDING version, then the four steps. */
  async function rotate(token: string) {
    secrets.startRotation(secretId, token);
    const { runs, stdout } = await runSerializedSequence(
      code,
      STEPS.map((Step) => ({ Step, SecretId: secretId, ClientRequestToken: token })),
      environment,
    );
    if (runs.every((r) => r.ok)) {
      secrets.finishRotation(secretId, token);
    }
    return { runs, stdout };
  }

  it("rotates to the other role: a new password set on it, then AWSCURRENT moved, the old one kept as AWSPREVIOUS", async () => {
    const before = current();
    const hashOfB = passwordHash("ledger_writer_b");
    const { runs, stdout } = await rotate("token-1");
    assert.deepEqual(
      runs.map((r) => (r.ok ? "ok" : r.error)),
      ["ok", "ok", "ok", "ok"],
    );
    const after = current();
    assert.equal(after.versionId, "token-1");
    assert.equal(after.credentials.username, "ledger_writer_b");
    assert.match(after.credentials.password, /^[A-Za-z0-9]{40}$/);
    assert.notEqual(passwordHash("ledger_writer_b"), hashOfB);
    assert.deepEqual(secrets.secrets.get(secretId)?.get(String(before.versionId))?.stages, [
      "AWSPREVIOUS",
    ]);
    // The previous role keeps its password: anyone still using it keeps working.
    assert.equal(before.credentials.username, "ledger_writer_a");
    // Passwords are never logged.
    assert.ok(!stdout.join("\n").includes(after.credentials.password));
  });

  it("goes to the writer in the other region when this region's cluster has none", async () => {
    writer = targets[1].clusterArn;
    try {
      const hashOfA = passwordHash("ledger_writer_a");
      const { runs } = await rotate("token-2");
      assert.deepEqual(
        runs.map((r) => (r.ok ? "ok" : r.error)),
        ["ok", "ok", "ok", "ok"],
      );
      assert.equal(current().credentials.username, "ledger_writer_a");
      assert.notEqual(passwordHash("ledger_writer_a"), hashOfA);
    } finally {
      writer = targets[0].clusterArn;
    }
  });

  it("runs a step again without changing anything more, and refuses a token that is not pending", async () => {
    const before = current();
    const { runs } = await runSerializedSequence(
      code,
      STEPS.map((Step) => ({ Step, SecretId: secretId, ClientRequestToken: "token-2" })),
      environment,
    );
    assert.deepEqual(
      runs.map((r) => (r.ok ? (r.result as { done: string }).done : r.error)),
      ["already", "already", "already", "already"],
    );
    assert.deepEqual(current(), before);
    const [unknown] = (
      await runSerializedSequence(
        code,
        [{ Step: "createSecret", SecretId: secretId, ClientRequestToken: "token-x" }],
        environment,
      )
    ).runs;
    assert.match(String(unknown.error), /has no version token-x to rotate to/);
  });

  it("leaves AWSCURRENT where it was when no ledger takes the password, and completes when retried", async () => {
    const before = current();
    writer = "arn:aws:rds:eu-west-1:111122223333:cluster:nowhere";
    try {
      const { runs } = await rotate("token-3");
      assert.deepEqual(
        runs.map((r) => r.ok),
        [true, false],
      );
      assert.match(String(runs[1].error), /no ledger ran the statement/);
      assert.deepEqual(current(), before);
    } finally {
      writer = targets[0].clusterArn;
    }
    // Secrets Manager retries the rotation with the same token: createSecret finds the pending
    // version and keeps it, the other steps finish the job.
    const { runs } = await rotate("token-3");
    assert.deepEqual(
      runs.map((r) => (r.ok ? (r.result as { done: string }).done : r.error)),
      ["already", "now", "now", "now"],
    );
    assert.equal(current().versionId, "token-3");
    assert.equal(current().credentials.username, nextUser(before.credentials.username));
  });

  it("lets the rotator manage the writer roles' passwords and nothing else", () => {
    const rotator = postgres.as("ledger_rotator");
    rotator.execute(`ALTER ROLE ledger_writer_a WITH PASSWORD '${"Rotated1".repeat(5)}'`);
    for (const sql of [
      "SELECT count(*) FROM ledger_entries",
      `INSERT INTO ledger_entries (payment_id, merchant_id, direction, amount_minor, currency, region) VALUES ('pay-r', 'm-1', 'debit', 1, 'EUR', 'us-east-1')`,
      "ALTER ROLE postgres WITH PASSWORD 'x'",
      // (On PostgreSQL 16, Aurora's, CREATEROLE reaches only the roles granted WITH ADMIN OPTION;
      // the 15 installed here lets it alter any non-superuser role, so that is not judged here.)
    ]) {
      assert.throws(
        () => rotator.execute(sql),
        /permission denied|must be superuser|must have admin|privileges/,
        sql,
      );
    }
  });

  it("gives each writer role insert and read on the ledger, and nothing else", () => {
    for (const role of LEDGER_WRITER_USERS) {
      const as = postgres.as(role);
      as.execute(
        `INSERT INTO ledger_entries (payment_id, merchant_id, direction, amount_minor, currency, region) VALUES ('pay-${role}', 'm-1', 'debit', 100, 'EUR', 'us-east-1')`,
      );
      assert.deepEqual(
        as.query(`SELECT amount_minor FROM ledger_entries WHERE payment_id = 'pay-${role}'`),
        ["100"],
      );
      for (const sql of [
        `UPDATE ledger_entries SET amount_minor = 1 WHERE payment_id = 'pay-${role}'`,
        `DELETE FROM ledger_entries WHERE payment_id = 'pay-${role}'`,
        "TRUNCATE ledger_entries",
        "DROP TABLE ledger_entries",
        "CREATE TABLE shadow (id int)",
        "INSERT INTO schema_migrations (version) VALUES ('x')",
        // A role may change its own password (PostgreSQL's rule), not another's.
        `ALTER ROLE ${nextUser(role)} WITH PASSWORD 'x'`,
        "CREATE ROLE intruder LOGIN",
      ]) {
        assert.throws(
          () => as.execute(sql),
          /permission denied|must be owner|must have CREATEROLE|denied/,
          `${role}: ${sql}`,
        );
      }
    }
  });
});
