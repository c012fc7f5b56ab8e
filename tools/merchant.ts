/**
 * `npm run merchant -- <create|rotate|revoke|list> --stack <name> [options]`: the operators' tool
 * for merchants' API keys (handlers/merchant-keys.ts), run against a deployed stack's merchants
 * table with the operator's own AWS credentials (the SDK's default chain: AWS_PROFILE,
 * AWS_ACCESS_KEY_ID, …). It creates a key and shows it once, rotates without downtime (a new key
 * beside the old ones, which are revoked once callers moved), revokes and lists. The table keeps
 * only a keyed hash of each key, so the key printed by create is the only copy there ever is.
 *
 * It writes to one replica of the merchants global table, the stack's primary region unless
 * --region names the secondary (when the primary is down), and DynamoDB replicates the write to
 * the other region. Exits 0 when done, 1 when the operation failed (an unknown key, an AWS error),
 * 2 on bad usage or a bad stack configuration, in which case nothing was read or written.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  KEY_ID_PATTERN,
  keyHash,
  keyToItem,
  MERCHANT_ID_PATTERN,
  MERCHANTS_BY_MERCHANT_INDEX,
  type MerchantKey,
  newApiKey,
} from "../handlers/merchant-keys";
import type { StackConfig } from "../model/config";
import { Namer } from "../model/naming";
import type { AwsRegion } from "../model/regions";
import { invocationError, stackArgument, UsageError } from "./cli";

const PROJECT_ROOT = path.resolve(__dirname, "..");

const COMMANDS = ["create", "rotate", "revoke", "list"] as const;
type Command = (typeof COMMANDS)[number];
const isCommand = (name: string): name is Command => (COMMANDS as readonly string[]).includes(name);
type Flag = "merchant" | "key";

/** The flags each command takes besides --stack and --region. */
const COMMAND_FLAGS: Record<Command, readonly Flag[]> = {
  create: ["merchant"],
  rotate: ["merchant"],
  revoke: ["key"],
  list: ["merchant"],
};

type Action =
  | { readonly command: "create" | "rotate"; readonly merchant: string }
  | { readonly command: "revoke"; readonly key: string }
  | { readonly command: "list"; readonly merchant?: string };

const USAGE = `usage: npm run merchant -- <command> --stack <stack> [--region <region>] [options]

  create --merchant <id>   a new active key for the merchant, shown once.
  rotate --merchant <id>   a new key (as create), then the merchant's other active keys with the
                           command that revokes each, to run once its callers use the new key.
  revoke --key <key id>    revoke a key: API requests with it fail once the merchants table has
                           replicated the change and the authorizer's cache has expired.
  list [--merchant <id>]   a merchant's keys, or every key: key id, status, created, revoked.

  --stack <stack>    the stack whose merchants table and pepper are used.
  --region <region>  one of the stack's two regions; the primary by default. Writes go to this
                     region's replica and DynamoDB replicates them to the other.

A merchant's keys (list --merchant, rotate) are read from the table's byMerchant index, which is
eventually consistent: a key created or revoked within the last second may not show yet.`;

/** What the tool talks to: the AWS SDK (`main`), or emulators (the tests). */
export interface MerchantToolDeps {
  /** A DynamoDB client for the region the command runs in. */
  readonly dynamoDb: (region: AwsRegion) => DynamoDBClient;
  /** The pepper of the key hashes: the value of the secret named `secretName` in `region`. */
  readonly pepper: (region: AwsRegion, secretName: string) => Promise<string>;
  readonly clock: () => Date;
  /** The command's report; a created key is printed here and nowhere else. */
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The project whose Pulumi.yaml and stack files are read; this repository by default. */
  readonly root?: string;
  /** Random bytes for new keys (node:crypto's by default). */
  readonly random?: (size: number) => Buffer;
}

/** A command, its stack and where it runs: everything checked before AWS is called. */
interface Invocation {
  readonly action: Action;
  readonly stack: string;
  readonly config: StackConfig;
  readonly region: AwsRegion;
  readonly table: string;
  readonly pepperSecret: string;
}

/** Runs one command of the tool; returns its exit code. */
export async function runMerchantCommand(
  argv: readonly string[],
  deps: MerchantToolDeps,
): Promise<number> {
  if (argv.includes("--help")) {
    deps.out(USAGE);
    return 0;
  }
  let invocation: Invocation;
  try {
    invocation = parseInvocation(argv, deps.root ?? PROJECT_ROOT);
  } catch (error) {
    const message = invocationError(error, USAGE);
    if (message === undefined) {
      throw error;
    }
    deps.err(message);
    return 2;
  }
  const { action } = invocation;
  const tool = new MerchantTool(invocation, deps);
  try {
    switch (action.command) {
      case "create":
        return await tool.create(action.merchant);
      case "rotate":
        return await tool.rotate(action.merchant);
      case "revoke":
        return await tool.revoke(action.key);
      case "list":
        return await tool.list(action.merchant);
    }
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    deps.err(
      `error: ${action.command} failed on table ${invocation.table} in ${invocation.region}: ${name}: ${message}`,
    );
    return 1;
  }
}

function parseInvocation(argv: readonly string[], root: string): Invocation {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string" },
        region: { type: "string" },
        merchant: { type: "string" },
        key: { type: "string" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (command === undefined) {
    throw new UsageError(`a command is required: ${COMMANDS.join(", ")}`);
  }
  if (!isCommand(command)) {
    throw new UsageError(`unknown command "${command}"; commands: ${COMMANDS.join(", ")}`);
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}" after ${command}`);
  }
  for (const flag of ["merchant", "key"] as const) {
    if (values[flag] !== undefined && !COMMAND_FLAGS[command].includes(flag)) {
      throw new UsageError(`${command} does not take --${flag}`);
    }
  }
  const needs = (flag: Flag): string => {
    const value = values[flag];
    if (value === undefined) {
      throw new UsageError(`${command} needs --${flag}`);
    }
    return value;
  };
  const action: Action =
    command === "revoke"
      ? { command, key: needs("key") }
      : command === "list"
        ? { command, merchant: values.merchant }
        : { command, merchant: needs("merchant") };
  if (values.merchant !== undefined && !MERCHANT_ID_PATTERN.test(values.merchant)) {
    throw new UsageError(
      `--merchant "${values.merchant}" is not a merchant id: 1-64 letters, digits, _ or -`,
    );
  }
  // The value is not echoed: an operator who pastes a whole key here must not see it in a log.
  if (values.key !== undefined && !KEY_ID_PATTERN.test(values.key)) {
    throw new UsageError(
      "--key must be a key id: the 16 lowercase hex digits after sk_<environment>_ in a key (never the key itself)",
    );
  }

  const config = stackArgument(root, values.stack);
  const { primary, secondary } = config.regions;
  const region = values.region ?? primary;
  if (region !== primary && region !== secondary) {
    throw new UsageError(
      `--region ${region} is not a region of stack ${config.stack}: ${primary} (primary) or ${secondary} (secondary)`,
    );
  }
  const namer = new Namer({ prefix: config.namePrefix, environment: config.environment });
  return {
    action,
    stack: config.stack,
    config,
    region,
    table: namer.global("dynamodbTable", "merchants"),
    pepperSecret: namer.global("secret", "merchant-key-pepper"),
  };
}

/** A key as listed: its record without the hash. */
type ListedKey = Omit<MerchantKey, "keyHash">;

/**
 * What list and rotate read. `status` is a DynamoDB reserved word, hence the name placeholder
 * (DynamoDB Developer Guide, "Reserved words in DynamoDB":
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ReservedWords.html). keyHash is
 * never read: the index does not project it, and the scan leaves it out.
 */
const LISTED = {
  ProjectionExpression: "keyId, merchantId, #status, createdAt, revokedAt",
  ExpressionAttributeNames: { "#status": "status" },
} as const;

function listedKey(item: Record<string, AttributeValue>): ListedKey {
  const revokedAt = item.revokedAt?.S;
  return {
    keyId: item.keyId?.S ?? "?",
    merchantId: item.merchantId?.S ?? "?",
    status: item.status?.S === "revoked" ? "revoked" : "active",
    createdAt: item.createdAt?.S ?? "?",
    ...(revokedAt === undefined ? {} : { revokedAt }),
  };
}

const isConditionFailure = (error: unknown) =>
  error instanceof Error && error.name === "ConditionalCheckFailedException";

class MerchantTool {
  private readonly db: DynamoDBClient;

  constructor(
    private readonly invocation: Invocation,
    private readonly deps: MerchantToolDeps,
  ) {
    this.db = deps.dynamoDb(invocation.region);
  }

  async create(merchantId: string): Promise<number> {
    return (await this.createKey(merchantId)).code;
  }

  /**
   * Rotation without downtime: a merchant may hold several active keys, so the new one works at
   * once and the old ones keep working until they are revoked.
   */
  async rotate(merchantId: string): Promise<number> {
    const created = await this.createKey(merchantId);
    if (created.code !== 0) {
      return created.code;
    }
    // The index may not hold the new key yet (it is eventually consistent), or may already.
    const others = (await this.merchantKeys(merchantId)).filter(
      (k) => k.status === "active" && k.keyId !== created.keyId,
    );
    if (others.length === 0) {
      this.deps.out(`\nMerchant ${merchantId} has no other active key.`);
      return 0;
    }
    const { stack, region, config } = this.invocation;
    const regionFlag = region === config.regions.primary ? "" : ` --region ${region}`;
    this.deps.out(
      [
        "",
        `Merchant ${merchantId}'s other active keys; revoke each once its callers use the new key:`,
        ...others.map(
          (k) =>
            `  ${k.keyId} (created ${k.createdAt}): npm run merchant -- revoke --stack ${stack} --key ${k.keyId}${regionFlag}`,
        ),
      ].join("\n"),
    );
    return 0;
  }

  private async createKey(merchantId: string): Promise<{ code: number; keyId: string }> {
    const { region, table, stack, pepperSecret, config } = this.invocation;
    const pepper = await this.deps.pepper(region, pepperSecret);
    if (pepper === "") {
      throw new Error(`secret ${pepperSecret} has no string value`);
    }
    const { key, keyId } = newApiKey(config.environment, this.deps.random);
    const createdAt = this.deps.clock().toISOString();
    const record: MerchantKey = {
      keyId,
      merchantId,
      keyHash: keyHash(pepper, key),
      status: "active",
      createdAt,
    };
    try {
      // The condition makes the write fail rather than replace another key's record should a key
      // id ever repeat (DynamoDB Developer Guide, "Condition expressions", preventing overwrites:
      // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
      await this.db.send(
        new PutItemCommand({
          TableName: table,
          Item: keyToItem(record),
          ConditionExpression: "attribute_not_exists(keyId)",
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        this.deps.err(
          `error: key id ${keyId} already exists in ${table}; nothing was written, run create again`,
        );
        return { code: 1, keyId };
      }
      throw error;
    }
    this.deps.out(
      [
        `New API key for merchant ${merchantId} (stack ${stack}, written in ${region}):`,
        "",
        `    ${key}`,
        "",
        "Shown once; store it in your secret manager now. The table keeps only a keyed hash of it,",
        "so it cannot be shown again.",
        "",
        `key id:   ${keyId}`,
        `merchant: ${merchantId}`,
        `created:  ${createdAt}`,
      ].join("\n"),
    );
    return { code: 0, keyId };
  }

  async revoke(keyId: string): Promise<number> {
    const { table, region, config } = this.invocation;
    const revokedAt = this.deps.clock().toISOString();
    let merchantId: string;
    try {
      // Only an active key is revoked, so a second revoke leaves the first revokedAt in place; the
      // condition is checked by this region's replica (DynamoDB Developer Guide, "Condition
      // expressions", conditional updates:
      // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
      const result = await this.db.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { keyId: { S: keyId } },
          UpdateExpression: "SET #status = :revoked, revokedAt = :now",
          ConditionExpression: "attribute_exists(keyId) AND #status = :active",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":revoked": { S: "revoked" },
            ":active": { S: "active" },
            ":now": { S: revokedAt },
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      merchantId = result.Attributes?.merchantId?.S ?? "?";
    } catch (error) {
      if (!isConditionFailure(error)) {
        throw error;
      }
      return this.notRevoked(keyId);
    }
    this.deps.out(
      [
        `Revoked key ${keyId} of merchant ${merchantId} at ${revokedAt} (stack ${this.invocation.stack}, written in ${region}).`,
        // Global tables replicate a change to the other replica usually within one second
        // (DynamoDB Developer Guide, "DynamoDB read consistency", global tables:
        // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html);
        // each region's API Gateway keeps an authorizer answer for the configured TTL.
        `The revocation takes effect within the merchants table's replication lag (typically under 1 s) + the authorizer cache TTL (${config.api.authorizerCacheSeconds} s) in both regions.`,
      ].join("\n"),
    );
    return 0;
  }

  /** Why a revoke's condition failed: no such key, or it was revoked already. */
  private async notRevoked(keyId: string): Promise<number> {
    const { table, region } = this.invocation;
    const { Item } = await this.db.send(
      new GetItemCommand({
        TableName: table,
        Key: { keyId: { S: keyId } },
        ConsistentRead: true,
        ...LISTED,
      }),
    );
    if (Item === undefined) {
      this.deps.err(`error: there is no key ${keyId} in ${table} (${region}); nothing was revoked`);
      return 1;
    }
    const key = listedKey(Item);
    this.deps.out(
      `Key ${keyId} of merchant ${key.merchantId} was already revoked at ${key.revokedAt ?? "?"}; nothing changed.`,
    );
    return 0;
  }

  async list(merchantId: string | undefined): Promise<number> {
    const keys =
      merchantId === undefined ? await this.allKeys() : await this.merchantKeys(merchantId);
    const { table, region } = this.invocation;
    if (keys.length === 0) {
      this.deps.out(
        merchantId === undefined
          ? `No keys in ${table} (${region}).`
          : `Merchant ${merchantId} has no keys in ${table} (${region}).`,
      );
      return 0;
    }
    const rows = [
      [
        "keyId",
        ...(merchantId === undefined ? ["merchantId"] : []),
        "status",
        "createdAt",
        "revokedAt",
      ],
      ...keys.map((k) => [
        k.keyId,
        ...(merchantId === undefined ? [k.merchantId] : []),
        k.status,
        k.createdAt,
        k.revokedAt ?? "-",
      ]),
    ];
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    this.deps.out(
      rows
        .map((row) =>
          row
            .map((cell, i) => cell.padEnd(widths[i]))
            .join("  ")
            .trimEnd(),
        )
        .join("\n"),
    );
    return 0;
  }

  /**
   * A merchant's keys, oldest first, from the byMerchant index: reads of a global secondary index
   * are eventually consistent (DynamoDB Developer Guide, "DynamoDB read consistency":
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html).
   */
  private async merchantKeys(merchantId: string): Promise<ListedKey[]> {
    return this.readAll(async (start) =>
      this.db.send(
        new QueryCommand({
          TableName: this.invocation.table,
          IndexName: MERCHANTS_BY_MERCHANT_INDEX,
          KeyConditionExpression: "merchantId = :merchant",
          ExpressionAttributeValues: { ":merchant": { S: merchantId } },
          ExclusiveStartKey: start,
          ...LISTED,
        }),
      ),
    );
  }

  /** Every key, by merchant then creation; a strongly consistent scan of this region's replica. */
  private async allKeys(): Promise<ListedKey[]> {
    const keys = await this.readAll(async (start) =>
      this.db.send(
        new ScanCommand({
          TableName: this.invocation.table,
          ConsistentRead: true,
          ExclusiveStartKey: start,
          ...LISTED,
        }),
      ),
    );
    return keys.sort(
      (a, b) => a.merchantId.localeCompare(b.merchantId) || a.createdAt.localeCompare(b.createdAt),
    );
  }

  /**
   * Every page of a Query or Scan: a page ends at 1 MB, and LastEvaluatedKey says where the next
   * starts (DynamoDB Developer Guide, "Paginating table query results":
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html).
   */
  private async readAll(
    page: (start: Record<string, AttributeValue> | undefined) => Promise<{
      Items?: Record<string, AttributeValue>[];
      LastEvaluatedKey?: Record<string, AttributeValue>;
    }>,
  ): Promise<ListedKey[]> {
    const keys: ListedKey[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const result = await page(start);
      keys.push(...(result.Items ?? []).map(listedKey));
      start = result.LastEvaluatedKey;
    } while (start !== undefined);
    return keys;
  }
}

/**
 * The pepper: GetSecretValue takes a secret's name as its SecretId, and a replica secret has the
 * primary's name in its own region (Secrets Manager API Reference, GetSecretValue:
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html; User
 * Guide, "Replicate secrets across Regions":
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html).
 */
export async function readPepper(
  client: SecretsManagerClient,
  secretName: string,
): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretName }));
  return SecretString ?? "";
}

/**
 * The tool on the AWS SDK. Clients take the region only: credentials come from the SDK's default
 * chain, and endpoints from AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SECRETS_MANAGER when set
 * (AWS SDKs and Tools Reference Guide, "Service-specific endpoints":
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), which is how the
 * tests point it at local emulators.
 */
async function main(argv: readonly string[]): Promise<number> {
  const clients: { destroy(): void }[] = [];
  const client = <T extends { destroy(): void }>(created: T): T => {
    clients.push(created);
    return created;
  };
  try {
    return await runMerchantCommand(argv, {
      dynamoDb: (region) => client(new DynamoDBClient({ region })),
      pepper: (region, secretName) =>
        readPepper(client(new SecretsManagerClient({ region })), secretName),
      clock: () => new Date(),
      out: (text) => console.log(text),
      err: (text) => console.error(text),
    });
  } finally {
    for (const created of clients) {
      created.destroy();
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
