/**
 * The ledger's writer credentials and their rotation: the pure core of the rotation function that
 * Secrets Manager calls on the credentials' schedule (./ledger-credentials.lambda.ts is its AWS
 * shell). The handlers reach the ledger through the RDS Data API with this secret, never with the
 * master user's; only the migration uses the master secret. This function sets passwords as
 * `ledger_rotator`, whose own secret only it and the migration read.
 *
 * Strategy: alternating users (Secrets Manager User Guide, "Rotation strategy: alternating users":
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-strategy.html). Two login
 * roles, `ledger_writer_a` and `ledger_writer_b`, hold the same grants (through `ledger_writer`);
 * a rotation sets a new password on the role the secret does not name and then makes the secret
 * name it, so the credentials the Data API reads always work, even while a rotation runs. AWS's
 * alternating-users strategy sets them with a privileged user's credentials in another secret
 * (same page); here that user is `ledger_rotator`, which can manage the two roles and nothing else.
 *
 * The steps follow the rotation function protocol (Secrets Manager User Guide, "Lambda rotation
 * functions": https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html):
 * createSecret puts the new credentials as the AWSPENDING version of the request's token;
 * setSecret sets them in the database; testSecret checks them; finishSecret moves AWSCURRENT to
 * the token's version. Each step can run again after a failure and change nothing more.
 */

/** The group role that may insert and read ledger entries (the schema grants it). */
export const LEDGER_WRITER_GROUP = "ledger_writer";
/** The two login roles in it that the rotation alternates between. */
export const LEDGER_WRITER_USERS = ["ledger_writer_a", "ledger_writer_b"] as const;
/**
 * The role the rotation sets the writers' passwords with, so that only the migration uses the
 * master user: it may manage the two writer roles (CREATEROLE, and ADMIN OPTION on each, which
 * PostgreSQL 16 requires to alter a role: https://www.postgresql.org/docs/16/sql-createrole.html)
 * and inherits none of their privileges (NOINHERIT): it cannot touch the ledger.
 */
export const LEDGER_ROTATOR = "ledger_rotator";
/** The roles whose passwords the program sets. */
const PASSWORD_ROLES: readonly string[] = [...LEDGER_WRITER_USERS, LEDGER_ROTATOR];

/** A password as the rotation makes it: letters and digits only, safe in a SQL string literal. */
const PASSWORD = /^[A-Za-z0-9]{32,128}$/;

/** A region's ledger as a handler reaches it: its cluster and the secret to run statements with. */
export interface LedgerTarget {
  readonly region: string;
  readonly clusterArn: string;
  readonly secretArn: string;
}

export interface LedgerCredentials {
  readonly engine: "postgres";
  readonly username: string;
  readonly password: string;
  readonly dbname: string;
}

export type RotationStep = "createSecret" | "setSecret" | "testSecret" | "finishSecret";

/** What Secrets Manager passes a rotation function. */
export interface RotationEvent {
  readonly Step: RotationStep;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

/** What a rotation needs from Secrets Manager and the ledger; the shell provides it. */
export interface RotationPorts {
  /** Whether rotation is on, and the staging labels of each version (DescribeSecret). */
  describe(secretId: string): Promise<{
    readonly rotationEnabled: boolean;
    readonly versions: Readonly<Record<string, readonly string[]>>;
  }>;
  /** A version's value by stage (and version id); undefined when there is no such version. */
  value(secretId: string, stage: string, versionId?: string): Promise<string | undefined>;
  /** PutSecretValue of `value` as the AWSPENDING version `token`. */
  putPending(secretId: string, token: string, value: string): Promise<void>;
  /** GetRandomPassword: letters and digits only. */
  randomPassword(): Promise<string>;
  /**
   * Runs a statement on the ledger's writer with the credentials that administer the roles: the
   * master user's for the migration, ledger_rotator's for the rotation.
   */
  administer(sql: string): Promise<readonly string[][]>;
  /** UpdateSecretVersionStage: AWSCURRENT to `token`, off `currentVersionId`. */
  promote(secretId: string, token: string, currentVersionId: string): Promise<void>;
}

export function parseCredentials(text: string): LedgerCredentials {
  const value = JSON.parse(text) as Partial<LedgerCredentials>;
  if (
    typeof value.username !== "string" ||
    typeof value.password !== "string" ||
    typeof value.dbname !== "string"
  ) {
    throw new Error("the secret is not the ledger's credentials (username, password, dbname)");
  }
  return {
    engine: "postgres",
    username: value.username,
    password: value.password,
    dbname: value.dbname,
  };
}

/** The login role a rotation moves to from `current` (the first one when there is none). */
export function nextUser(current: string | undefined): string {
  return current === LEDGER_WRITER_USERS[0] ? LEDGER_WRITER_USERS[1] : LEDGER_WRITER_USERS[0];
}

/**
 * The statement that gives `username` its password. ALTER ROLE takes no bind parameters, so both
 * are checked to be plain before they are written into it.
 */
export function setPasswordStatement(username: string, password: string): string {
  if (!PASSWORD_ROLES.includes(username)) {
    throw new Error(`${username.slice(0, 64)} is not a ledger writer role or the rotator`);
  }
  if (!PASSWORD.test(password)) {
    throw new Error("the password is not 32-128 letters and digits");
  }
  return `ALTER ROLE ${username} WITH LOGIN PASSWORD '${password}'`;
}

/** A role that can log in and insert and read ledger entries: what testSecret asks the ledger. */
export function canWriteStatement(username: string): string {
  if (!(LEDGER_WRITER_USERS as readonly string[]).includes(username)) {
    throw new Error(`${username.slice(0, 64)} is not a ledger writer role`);
  }
  // As text: the answer reads the same whatever type the Data API gives a boolean column.
  return (
    `SELECT r.rolcanlogin::text, pg_has_role(r.oid, '${LEDGER_WRITER_GROUP}', 'MEMBER')::text, ` +
    `has_table_privilege(r.oid, 'ledger_entries', 'INSERT')::text, ` +
    `has_table_privilege(r.oid, 'ledger_entries', 'UPDATE')::text ` +
    `FROM pg_roles r WHERE r.rolname = '${username}'`
  );
}

/** What a step did, for the function's log (never a password). */
export type StepOutcome =
  | { readonly step: RotationStep; readonly done: "already" }
  | { readonly step: RotationStep; readonly done: "now"; readonly username?: string };

/**
 * The migration's part (./ledger-schema.lambda.ts), for the writer's secret and the rotator's: the
 * secret's first credentials (for `firstUser`), made when it has none (the program creates the
 * secrets empty, so no password is ever in the deployment's state), and the password of the role
 * the current credentials name set to theirs. Running it again changes nothing: the current
 * credentials are the ones the role has.
 */
export async function provisionCredentials(
  secretId: string,
  firstUser: string,
  database: string,
  ports: Pick<RotationPorts, "value" | "randomPassword" | "administer"> & {
    /** PutSecretValue of the secret's first version (AWSCURRENT). */
    putFirst(secretId: string, value: string): Promise<void>;
  },
): Promise<{ readonly username: string; readonly created: boolean }> {
  let text = await ports.value(secretId, "AWSCURRENT");
  const created = text === undefined;
  if (text === undefined) {
    const first: LedgerCredentials = {
      engine: "postgres",
      username: firstUser,
      password: await ports.randomPassword(),
      dbname: database,
    };
    text = JSON.stringify(first);
    await ports.putFirst(secretId, text);
  }
  const current = parseCredentials(text);
  await ports.administer(setPasswordStatement(current.username, current.password));
  return { username: current.username, created };
}

/** One step of a rotation. Throws, and leaves AWSCURRENT as it was, when anything is wrong. */
export async function rotationStep(
  event: RotationEvent,
  ports: RotationPorts,
): Promise<StepOutcome> {
  const { Step: step, SecretId: secretId, ClientRequestToken: token } = event;
  const described = await ports.describe(secretId);
  if (!described.rotationEnabled) {
    throw new Error(`secret ${secretId} is not enabled for rotation`);
  }
  const stages = described.versions[token];
  if (stages === undefined) {
    throw new Error(`secret ${secretId} has no version ${token} to rotate to`);
  }
  if (stages.includes("AWSCURRENT")) {
    return { step, done: "already" };
  }
  if (!stages.includes("AWSPENDING")) {
    throw new Error(`version ${token} of secret ${secretId} is not AWSPENDING`);
  }
  const pending = async () => {
    const text = await ports.value(secretId, "AWSPENDING", token);
    if (text === undefined) {
      throw new Error(`version ${token} of secret ${secretId} has no value`);
    }
    return parseCredentials(text);
  };
  switch (step) {
    case "createSecret": {
      if ((await ports.value(secretId, "AWSPENDING", token)) !== undefined) {
        return { step, done: "already" };
      }
      const currentText = await ports.value(secretId, "AWSCURRENT");
      if (currentText === undefined) {
        throw new Error(`secret ${secretId} has no current credentials to rotate`);
      }
      const current = parseCredentials(currentText);
      const next: LedgerCredentials = {
        ...current,
        username: nextUser(current.username),
        password: await ports.randomPassword(),
      };
      setPasswordStatement(next.username, next.password);
      await ports.putPending(secretId, token, JSON.stringify(next));
      return { step, done: "now", username: next.username };
    }
    case "setSecret": {
      const next = await pending();
      await ports.administer(setPasswordStatement(next.username, next.password));
      return { step, done: "now", username: next.username };
    }
    case "testSecret": {
      // The Data API reads only a secret's AWSCURRENT version, so the new password itself cannot
      // be tried before finishSecret; the role it belongs to can: it logs in, is a ledger writer,
      // may insert ledger entries and may not change them.
      const next = await pending();
      const [row] = await ports.administer(canWriteStatement(next.username));
      if (row === undefined || row.join(",") !== "true,true,true,false") {
        throw new Error(
          `role ${next.username} cannot log in and write the ledger: ${JSON.stringify(row ?? null)}`,
        );
      }
      return { step, done: "now", username: next.username };
    }
    case "finishSecret": {
      const versionId = Object.entries(described.versions).find(([, labels]) =>
        labels.includes("AWSCURRENT"),
      )?.[0];
      if (versionId === undefined) {
        throw new Error(`secret ${secretId} has no AWSCURRENT version`);
      }
      await ports.promote(secretId, token, versionId);
      return { step, done: "now" };
    }
  }
}
