/**
 * The operators' merchant key tool (tools/merchant.ts) against dynalite holding the merchants
 * table as the data tier declares it, and a Secrets Manager stub holding the pepper. The tool runs
 * in-process (runMerchantCommand) except in the last two tests, which run the CLI as operators do.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { keyHash, keyToItem } from "../../handlers/merchant-keys";
import type { AwsRegion } from "../../model/regions";
import {
  type AwsStub,
  createMerchantsTable,
  type LocalDynamoDb,
  startAwsStub,
  startDynamoDb,
} from "../../tools/harness/emulators";
import { readPepper, runMerchantCommand } from "../../tools/merchant";
import { withDevStackVariant } from "../fixtures/stack-files";

const ROOT = path.resolve(__dirname, "..", "..");
/** The dev stack's names (Namer: acmepay-dev-…) and its authorizer cache TTL (the default, 60). */
const TABLE = "acmepay-dev-merchants";
const PEPPER_SECRET = "acmepay-dev-merchant-key-pepper";
/** 32 bytes, base64: what the program stores (random.RandomBytes' base64). */
const PEPPER = Buffer.alloc(32, 0x5a).toString("base64");
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
const KEY_LINE = /^ {4}(sk_dev_([0-9a-f]{16})_[A-Za-z0-9_-]{43})$/m;
const EFFECT =
  "The revocation takes effect within the merchants table's replication lag (typically under 1 s) + the authorizer cache TTL (60 s) in both regions.";

describe("merchant key tool", function () {
  this.timeout(10_000);
  let db: LocalDynamoDb;
  let stub: AwsStub;
  let secrets: SecretsManagerClient;
  let seconds = 0;

  before(async () => {
    db = await startDynamoDb();
    await createMerchantsTable(db, TABLE);
    // GetSecretValue's response as the API reference gives it; an unknown SecretId is
    // ResourceNotFoundException (Secrets Manager API Reference, GetSecretValue:
    // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
    stub = await startAwsStub({
      "secretsmanager.GetSecretValue": (body) =>
        body.SecretId === PEPPER_SECRET
          ? {
              body: {
                ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${PEPPER_SECRET}-AbCdEf`,
                Name: PEPPER_SECRET,
                VersionId: "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1",
                SecretString: PEPPER,
                VersionStages: ["AWSCURRENT"],
                CreatedDate: 1_735_689_600,
              },
            }
          : {
              status: 400,
              error: "ResourceNotFoundException",
              message: "Secrets Manager can't find the specified secret.",
            },
    });
    secrets = new SecretsManagerClient({
      endpoint: stub.endpoint,
      region: "us-east-1",
      credentials: LOCAL_CREDENTIALS,
    });
  });

  after(async () => {
    secrets.destroy();
    await stub.close();
    await db.close();
  });

  /** The clock: one second later at every reading, from 2025-03-01T12:00:00Z. */
  const at = (second: number) => new Date(Date.UTC(2025, 2, 1, 12, 0, second)).toISOString();

  async function run(argv: string[], options: { dynamoDb?: DynamoDBClient; root?: string } = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const regions: string[] = [];
    const code = await runMerchantCommand(argv, {
      dynamoDb: (region: AwsRegion) => {
        regions.push(`dynamodb ${region}`);
        return options.dynamoDb ?? db.client;
      },
      pepper: (region, secretName) => {
        regions.push(`secretsmanager ${region}`);
        return readPepper(secrets, secretName);
      },
      clock: () => new Date(at(seconds++)),
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      ...(options.root === undefined ? {} : { root: options.root }),
    });
    return { code, out: out.join("\n"), err: err.join("\n"), regions };
  }

  /** Creates a key for `merchant` and returns it and its id, as printed. */
  async function create(merchant: string) {
    const result = await run(["create", "--stack", "dev", "--merchant", merchant]);
    assert.equal(result.code, 0, result.err);
    const match = KEY_LINE.exec(result.out);
    assert.ok(match !== null, result.out);
    return { key: match[1], keyId: match[2], out: result.out };
  }

  async function item(keyId: string) {
    const { Item } = await db.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { keyId: { S: keyId } }, ConsistentRead: true }),
    );
    return Item;
  }

  async function activeKeysOf(merchant: string) {
    return (await db.items(TABLE))
      .filter((i) => i.merchantId.S === merchant && i.status.S === "active")
      .map((i) => i.keyId.S)
      .sort();
  }

  it("create prints the key once, stores only its keyed hash, and reads the stack's pepper", async () => {
    const calls = stub.calls.length;
    const createdAt = at(seconds);
    const result = await run(["create", "--stack", "dev", "--merchant", "m-create"]);
    assert.equal(result.code, 0);
    assert.equal(result.err, "");
    const match = KEY_LINE.exec(result.out);
    assert.ok(match !== null, result.out);
    const [, key, keyId] = match;
    assert.equal(result.out.split(key).length - 1, 1, "the key is printed exactly once");
    assert.equal(
      result.out,
      [
        "New API key for merchant m-create (stack dev, written in us-east-1):",
        "",
        `    ${key}`,
        "",
        "Shown once; store it in your secret manager now. The table keeps only a keyed hash of it,",
        "so it cannot be shown again.",
        "",
        `key id:   ${keyId}`,
        "merchant: m-create",
        `created:  ${createdAt}`,
      ].join("\n"),
    );
    assert.deepEqual(result.regions, ["dynamodb us-east-1", "secretsmanager us-east-1"]);
    assert.deepEqual(stub.calls.slice(calls), [
      { target: "secretsmanager.GetSecretValue", body: { SecretId: PEPPER_SECRET } },
    ]);
    assert.deepEqual(
      await item(keyId),
      keyToItem({
        keyId,
        merchantId: "m-create",
        keyHash: keyHash(PEPPER, key),
        status: "active",
        createdAt,
      }),
    );
    const table = JSON.stringify(await db.items(TABLE));
    assert.equal(table.includes(key), false);
    assert.equal(table.includes(key.slice(-43)), false, "not even the key's secret part");
  });

  it("two creates for one merchant give two active keys", async () => {
    const first = await create("m-two");
    const second = await create("m-two");
    assert.notEqual(first.keyId, second.keyId);
    assert.deepEqual(await activeKeysOf("m-two"), [first.keyId, second.keyId].sort());
  });

  it("rotate creates a key and gives the revoke command of each other active key", async () => {
    const revoked = await create("m-rotate");
    const old = await create("m-rotate");
    assert.equal((await run(["revoke", "--stack", "dev", "--key", revoked.keyId])).code, 0);
    const oldCreatedAt = (await item(old.keyId))?.createdAt.S;

    const result = await run(["rotate", "--stack", "dev", "--merchant", "m-rotate"]);
    assert.equal(result.code, 0);
    assert.equal(result.err, "");
    const fresh = KEY_LINE.exec(result.out);
    assert.ok(fresh !== null, result.out);
    assert.deepEqual(await activeKeysOf("m-rotate"), [old.keyId, fresh[2]].sort());
    assert.ok(
      result.out.endsWith(
        [
          "",
          "Merchant m-rotate's other active keys; revoke each once its callers use the new key:",
          `  ${old.keyId} (created ${oldCreatedAt}): npm run merchant -- revoke --stack dev --key ${old.keyId}`,
        ].join("\n"),
      ),
      result.out,
    );
    assert.equal(result.out.includes(revoked.keyId), false, "a revoked key is not listed");
  });

  it("rotate of a merchant's first key says there is nothing to revoke", async () => {
    const result = await run(["rotate", "--stack", "dev", "--merchant", "m-first"]);
    assert.equal(result.code, 0);
    assert.ok(result.out.endsWith("\n\nMerchant m-first has no other active key."), result.out);
  });

  it("revoke sets status and revokedAt once; a second revoke changes nothing", async () => {
    const { keyId } = await create("m-revoke");
    const revokedAt = at(seconds);
    const first = await run(["revoke", "--stack", "dev", "--key", keyId]);
    assert.equal(first.code, 0);
    assert.equal(first.err, "");
    assert.equal(
      first.out,
      `Revoked key ${keyId} of merchant m-revoke at ${revokedAt} (stack dev, written in us-east-1).\n${EFFECT}`,
    );
    const revoked = await item(keyId);
    assert.equal(revoked?.status.S, "revoked");
    assert.equal(revoked?.revokedAt.S, revokedAt);

    const second = await run(["revoke", "--stack", "dev", "--key", keyId]);
    assert.equal(second.code, 0);
    assert.equal(
      second.out,
      `Key ${keyId} of merchant m-revoke was already revoked at ${revokedAt}; nothing changed.`,
    );
    assert.deepEqual(await item(keyId), revoked);
  });

  it("revoke of an unknown key id exits 1 and writes nothing", async () => {
    const before = await db.items(TABLE);
    const operations = db.operations.length;
    const result = await run(["revoke", "--stack", "dev", "--key", "0123456789abcdef"]);
    assert.equal(result.code, 1);
    assert.equal(result.out, "");
    assert.equal(
      result.err,
      `error: there is no key 0123456789abcdef in ${TABLE} (us-east-1); nothing was revoked`,
    );
    // The conditional update fails, then a read tells why; no item appears.
    assert.deepEqual(db.operations.slice(operations), ["UpdateItem", "GetItem"]);
    assert.deepEqual(await db.items(TABLE), before);
  });

  it("list --merchant shows the merchant's keys, oldest first, without their hashes", async () => {
    const first = await create("m-list");
    const second = await create("m-list");
    await run(["revoke", "--stack", "dev", "--key", first.keyId]);
    const [one, two] = [await item(first.keyId), await item(second.keyId)];

    const result = await run(["list", "--stack", "dev", "--merchant", "m-list"]);
    assert.equal(result.code, 0);
    assert.equal(
      result.out,
      [
        "keyId             status   createdAt                 revokedAt",
        `${first.keyId}  revoked  ${one?.createdAt.S}  ${one?.revokedAt.S}`,
        `${second.keyId}  active   ${two?.createdAt.S}  -`,
      ].join("\n"),
    );
    assert.equal(result.out.includes(String(one?.keyHash.S)), false);
  });

  it("list without --merchant follows every scan page and never shows a hash", async () => {
    // A client whose scans return two items a page, so the tool must follow LastEvaluatedKey.
    const paged = new DynamoDBClient({
      endpoint: db.endpoint,
      region: "us-east-1",
      credentials: LOCAL_CREDENTIALS,
    });
    const projections: unknown[] = [];
    paged.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === "ScanCommand") {
          Object.assign(args.input as object, { Limit: 2 });
          projections.push((args.input as { ProjectionExpression?: string }).ProjectionExpression);
        }
        return next(args);
      },
      { step: "initialize" },
    );
    const items = await db.items(TABLE);
    assert.ok(items.length >= 5, `the earlier tests left ${items.length} keys`);
    const operations = db.operations.length;
    try {
      const result = await run(["list", "--stack", "dev"], { dynamoDb: paged });
      assert.equal(result.code, 0);
      const lines = result.out.split("\n");
      assert.match(lines[0], /^keyId {13}merchantId +status {3}createdAt {17}revokedAt$/);
      assert.deepEqual(
        lines
          .slice(1)
          .map((line) => line.split(/ +/)[0])
          .sort(),
        items.map((i) => i.keyId.S).sort(),
      );
      const listed = lines.slice(1).map((line) => {
        const [, merchantId, , createdAt] = line.split(/ +/);
        return `${merchantId} ${createdAt}`;
      });
      assert.deepEqual(
        listed,
        [...listed].sort(),
        "sorted by merchant, then creation (the ISO times sort as text)",
      );
      assert.equal(
        db.operations.slice(operations).filter((o) => o === "Scan").length,
        // A full page has a LastEvaluatedKey even when no item follows: one more, empty, page.
        Math.floor(items.length / 2) + 1,
      );
      // keyHash is not even read.
      assert.deepEqual(
        new Set(projections),
        new Set(["keyId, merchantId, #status, createdAt, revokedAt"]),
      );
      for (const i of items) {
        assert.equal(result.out.includes(String(i.keyHash.S)), false);
      }
    } finally {
      paged.destroy();
    }
  });

  it("--region runs the command in the stack's secondary region", async () => {
    const result = await run([
      "rotate",
      "--stack",
      "dev",
      "--merchant",
      "m-two",
      "--region",
      "us-west-2",
    ]);
    assert.equal(result.code, 0);
    assert.deepEqual(result.regions, ["dynamodb us-west-2", "secretsmanager us-west-2"]);
    assert.match(
      result.out,
      /^New API key for merchant m-two \(stack dev, written in us-west-2\):/,
    );
    assert.match(
      result.out,
      /: npm run merchant -- revoke --stack dev --key [0-9a-f]{16} --region us-west-2$/m,
    );
  });

  it("an AWS error exits 1 with the error's name (prod's table is not in the emulator)", async () => {
    const result = await run(["list", "--stack", "prod", "--merchant", "m-1"]);
    assert.equal(result.code, 1);
    assert.match(
      result.err,
      /^error: list failed on table acmepay-prod-merchants in us-east-1: ResourceNotFoundException: /,
    );
  });

  it("a pepper that cannot be read exits 1 before anything is written", async () => {
    const operations = db.operations.length;
    const result = await run(["create", "--stack", "prod", "--merchant", "m-1"]);
    assert.equal(result.code, 1);
    assert.equal(result.out, "");
    assert.equal(
      result.err,
      "error: create failed on table acmepay-prod-merchants in us-east-1: ResourceNotFoundException: Secrets Manager can't find the specified secret.",
    );
    assert.deepEqual(db.operations.slice(operations), []);
  });

  it("a repeated key id is refused by the condition, not written over", async () => {
    const fixed = (size: number) => Buffer.alloc(size, 0xab);
    const errors: string[] = [];
    const runFixed = (merchant: string) =>
      runMerchantCommand(["create", "--stack", "dev", "--merchant", merchant], {
        dynamoDb: () => db.client,
        pepper: (_region, name) => readPepper(secrets, name),
        clock: () => new Date(at(seconds++)),
        out: () => undefined,
        err: (text) => errors.push(text),
        random: fixed,
      });
    assert.equal(await runFixed("m-first-owner"), 0);
    const stored = await item("abababababababab");
    assert.equal(await runFixed("m-second-owner"), 1);
    assert.deepEqual(errors, [
      `error: key id abababababababab already exists in ${TABLE}; nothing was written, run create again`,
    ]);
    assert.deepEqual(await item("abababababababab"), stored);
    assert.equal(stored?.merchantId.S, "m-first-owner");
  });

  it("--help prints the usage and exits 0", async () => {
    const result = await run(["--help"]);
    assert.equal(result.code, 0);
    assert.match(result.out, /^usage: npm run merchant -- <command> --stack <stack> /);
    assert.match(result.out, /byMerchant index, which is\neventually consistent/);
  });

  describe("bad input exits 2, naming the flag, and touches nothing", () => {
    const usage = "\n\nusage: npm run merchant -- <command> --stack <stack> [--region <region>]";
    const cases: [string, string[], string][] = [
      [
        "no command",
        ["--stack", "dev"],
        "error: a command is required: create, rotate, revoke, list",
      ],
      [
        "an unknown command",
        ["delete", "--stack", "dev"],
        'error: unknown command "delete"; commands: create, rotate, revoke, list',
      ],
      ["an unknown flag", ["list", "--stack", "dev", "--all"], "error: Unknown option '--all'."],
      [
        "a second command",
        ["list", "create", "--stack", "dev"],
        'error: unexpected argument "create" after list',
      ],
      [
        "no --stack",
        ["create", "--merchant", "m-1"],
        "error: --stack is required; stacks: dev, prod",
      ],
      [
        "an unknown --stack",
        ["create", "--stack", "qa", "--merchant", "m-1"],
        'error: --stack "qa" is not a stack; stacks: dev, prod',
      ],
      ["create without --merchant", ["create", "--stack", "dev"], "error: create needs --merchant"],
      [
        "a --merchant outside the pattern",
        ["create", "--stack", "dev", "--merchant", "m 1;"],
        'error: --merchant "m 1;" is not a merchant id: 1-64 letters, digits, _ or -',
      ],
      ["revoke without --key", ["revoke", "--stack", "dev"], "error: revoke needs --key"],
      [
        "a --key that is not a key id",
        ["revoke", "--stack", "dev", "--key", "0123456789ABCDEF"],
        "error: --key must be a key id: the 16 lowercase hex digits after sk_<environment>_ in a key (never the key itself)",
      ],
      [
        "a flag the command does not take",
        ["list", "--stack", "dev", "--key", "0123456789abcdef"],
        "error: list does not take --key",
      ],
      [
        "a --region outside the stack",
        ["create", "--stack", "dev", "--merchant", "m-1", "--region", "eu-west-1"],
        "error: --region eu-west-1 is not a region of stack dev: us-east-1 (primary) or us-west-2 (secondary)",
      ],
    ];
    for (const [name, argv, message] of cases) {
      it(name, async () => {
        const [items, operations, calls] = [
          (await db.items(TABLE)).length,
          db.operations.length,
          stub.calls.length,
        ];
        const result = await run(argv);
        assert.equal(result.code, 2);
        assert.equal(result.out, "");
        assert.ok(result.err.startsWith(message), result.err);
        assert.ok(result.err.includes(usage), result.err);
        assert.deepEqual(result.regions, []);
        // No request reached DynamoDB or Secrets Manager.
        assert.deepEqual(db.operations.slice(operations), []);
        assert.equal(stub.calls.length, calls);
        assert.equal((await db.items(TABLE)).length, items);
      });
    }

    it("a whole key given as --key is not echoed", async () => {
      const { key } = await create("m-pasted");
      const result = await run(["revoke", "--stack", "dev", "--key", key]);
      assert.equal(result.code, 2);
      assert.equal(result.err.includes(key), false);
      assert.equal(result.err.includes(key.slice(-43)), false);
    });

    it("a bad stack configuration gives the ConfigError message", async () => {
      await withDevStackVariant(
        "payments-dr:namePrefix: acmepay",
        "payments-dr:namePrefix: Acme",
        async (root) => {
          const operations = db.operations.length;
          const result = await run(["create", "--stack", "dev", "--merchant", "m-1"], { root });
          assert.equal(result.code, 2);
          assert.equal(
            result.err,
            'error: Invalid configuration for stack "dev":\n  - payments-dr:namePrefix = "Acme": must be 2–10 lowercase letters or digits starting with a letter (it prefixes every physical name)',
          );
          assert.deepEqual(db.operations.slice(operations), []);
        },
      );
    });
  });

  /** The CLI as `npm run merchant` runs it, with only the emulators' AWS settings. */
  function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")),
    );
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        ["-r", "./tools/register.js", "tools/merchant.ts", ...args],
        {
          cwd: ROOT,
          timeout: 8_000,
          env: {
            ...env,
            AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
            AWS_ENDPOINT_URL_SECRETS_MANAGER: stub.endpoint,
            AWS_ACCESS_KEY_ID: "local",
            AWS_SECRET_ACCESS_KEY: "local",
            AWS_EC2_METADATA_DISABLED: "true",
            // No shared config or credentials file of the machine's user either.
            AWS_CONFIG_FILE: path.join(ROOT, "no-such-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(ROOT, "no-such-aws-credentials"),
          },
        },
        (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
  }

  it("the CLI reaches DynamoDB and Secrets Manager through the SDK's endpoint variables", async () => {
    const { code, stdout, stderr } = await cli(["create", "--stack", "dev", "--merchant", "m-cli"]);
    assert.equal(stderr, "");
    assert.equal(code, 0);
    const match = KEY_LINE.exec(stdout);
    assert.ok(match !== null, stdout);
    const stored = await item(match[2]);
    assert.equal(stored?.merchantId.S, "m-cli");
    assert.equal(stored?.keyHash.S, keyHash(PEPPER, match[1]));
    assert.deepEqual(stub.calls.at(-1), {
      target: "secretsmanager.GetSecretValue",
      body: { SecretId: PEPPER_SECRET },
    });
  });

  it("the CLI exits with the command's code", async () => {
    const { code, stdout, stderr } = await cli(["revoke", "--stack", "dev", "--key", "nope"]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /^error: --key must be a key id: /);
  });
});
