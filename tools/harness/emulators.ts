/**
 * Local stand-ins for the AWS services the handlers call, on 127.0.0.1 only: dynalite for
 * DynamoDB (with a record of every operation it served), and a stub for the services that have no
 * emulator on npm (SQS, SSM, Step Functions, Secrets Manager; the preflight's STS, Lambda, RDS, EC2,
 * AWS Backup, Route 53 and ARC), answering from handlers and routes a test gives.
 */
import { createHash, randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  waitUntilTableExists,
  DynamoDBClient,
  ScanCommand,
  type ScanCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { MERCHANTS_TABLE_SCHEMA } from "../../handlers/merchant-keys";
import { PAYMENTS_TABLE_SCHEMA } from "../../handlers/payment";
import { type TableSchema, tableKeyAttributes } from "../../handlers/table-schema";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (options: object) => http.Server;

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Every operation served, in order (`PutItem`, `GetItem`, …). */
  readonly operations: string[];
  items(table: string): Promise<NonNullable<ScanCommandOutput["Items"]>>;
  close(): Promise<void>;
}

export async function startDynamoDb(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0 });
  const operations: string[] = [];
  server.prependListener("request", (request: http.IncomingMessage) => {
    const target = request.headers["x-amz-target"];
    if (typeof target === "string") {
      operations.push(target.split(".")[1] ?? target);
    }
  });
  const endpoint = await listen(server);
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: LOCAL_CREDENTIALS,
  });
  return {
    endpoint,
    client,
    operations,
    async items(table) {
      return (
        (await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? []
      );
    },
    async close() {
      client.destroy();
      await close(server);
    },
  };
}

/** The payments table as the data tier declares it (key and its three indexes). */
export async function createPaymentsTable(db: LocalDynamoDb, table: string): Promise<void> {
  await createTable(db, table, PAYMENTS_TABLE_SCHEMA);
}

/** The merchants table as the data tier declares it (key and its index). */
export async function createMerchantsTable(db: LocalDynamoDb, table: string): Promise<void> {
  await createTable(db, table, MERCHANTS_TABLE_SCHEMA);
}

async function createTable(db: LocalDynamoDb, table: string, schema: TableSchema): Promise<void> {
  await db.client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: tableKeyAttributes(schema).map((name) => ({
        AttributeName: name,
        AttributeType: "S",
      })),
      KeySchema: [{ AttributeName: schema.key, KeyType: "HASH" }],
      GlobalSecondaryIndexes: schema.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.hashKey, KeyType: "HASH" },
          { AttributeName: index.rangeKey, KeyType: "RANGE" },
        ],
        Projection:
          index.projection === "ALL"
            ? { ProjectionType: "ALL" }
            : { ProjectionType: "INCLUDE", NonKeyAttributes: [...index.projection.include] },
      })),
    }),
  );
  // A table takes writes once ACTIVE; while CREATING, DynamoDB (and dynalite) answer
  // ResourceNotFoundException (DynamoDB API Reference, CreateTable: "you can perform read and write
  // operations only on an ACTIVE table":
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html).
  await waitUntilTableExists(
    { client: db.client, maxWaitTime: 10, minDelay: 0.05 },
    {
      TableName: table,
    },
  );
}

export interface StubCall {
  /** `AmazonSQS.SendMessage`, `AmazonSSM.GetParameter`, `AWSStepFunctions.StartExecution`,
   * `POST /Execute` (RDS Data API ExecuteStatement)… */
  readonly target: string;
  readonly body: Record<string, unknown>;
}

/** An answer: a JSON body, or an AWS error (`__type`) with its HTTP status. */
export type StubAnswer =
  | { readonly body: Record<string, unknown> }
  /**
   * An XML protocol's answer (query: RDS, STS, EC2; REST-XML: Route 53): an XML document, with
   * HTTP 200 unless `status` says otherwise (an XML error document).
   */
  | { readonly xml: string; readonly status?: number }
  | { readonly status: number; readonly error: string; readonly message: string };

export type StubHandler = (body: Record<string, unknown>) => StubAnswer;

/** What a route sees of a request besides its body. */
export interface StubRequest {
  readonly method: string;
  /** The URL's path, without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The `{name}` segments of the route's pattern, URL-decoded (`{FunctionName}`, `{Id}`…). */
  readonly params: Readonly<Record<string, string>>;
  /** The region and service the request was signed for (SigV4 credential scope); "" if unsigned. */
  readonly region: string;
  readonly service: string;
}

/** A handler that also sees the request: the region it was signed for, its path parameters. */
export type StubRoute = (body: Record<string, unknown>, request: StubRequest) => StubAnswer;

/**
 * The SigV4 credential scope, `<key>/<date>/<region>/<service>/aws4_request` (AWS Signature
 * Version 4 for API requests: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
 */
function signingScope(authorization: string | undefined): { region: string; service: string } {
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? "");
  return { region: scope?.[1] ?? "", service: scope?.[2] ?? "" };
}

/**
 * The route for a request: one keyed by its exact target, else a REST pattern with `{name}`
 * segments (`GET /2019-09-30/functions/{FunctionName}/concurrency`) matching its method and path.
 */
function matchRoute(
  routes: Readonly<Record<string, StubRoute>>,
  target: string,
  method: string,
  path: string,
): { route: StubRoute; params: Record<string, string> } | undefined {
  const exact = routes[target] as StubRoute | undefined;
  if (exact !== undefined) {
    return { route: exact, params: {} };
  }
  const segments = path.split("/");
  for (const [key, route] of Object.entries(routes)) {
    const [routeMethod, pattern = ""] = key.split(" ");
    const expected = pattern.split("/");
    if (routeMethod !== method || expected.length !== segments.length) {
      continue;
    }
    const params: Record<string, string> = {};
    const matches = expected.every((part, i) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name === undefined) {
        return part === segments[i];
      }
      params[name] = decodeURIComponent(segments[i]);
      return segments[i] !== "";
    });
    if (matches) {
      return { route, params };
    }
  }
  return undefined;
}

export interface AwsStub {
  readonly endpoint: string;
  readonly calls: StubCall[];
  close(): Promise<void>;
}

/** SQS's answer to SendMessage, with the body digest the SDK verifies. */
export function sqsSendMessage(body: Record<string, unknown>): StubAnswer {
  return {
    body: {
      MessageId: createHash("sha256").update(String(body.MessageBody)).digest("hex").slice(0, 36),
      MD5OfMessageBody: createHash("md5").update(String(body.MessageBody)).digest("hex"),
    },
  };
}

/**
 * Secrets Manager's answer to GetSecretValue for a string secret (AWS Secrets Manager API
 * Reference, GetSecretValue, "Response Syntax": ARN, Name, VersionId, SecretString, VersionStages,
 * CreatedDate: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
 */
export function secretValue(value: string): StubHandler {
  return (body) => ({
    body: {
      ARN: String(body.SecretId),
      Name: String(body.SecretId).split(":").pop(),
      VersionId: "00000000-0000-4000-8000-000000000001",
      SecretString: value,
      VersionStages: ["AWSCURRENT"],
      CreatedDate: 1_764_000_000,
    },
  });
}

export function ssmParameter(value: string): StubHandler {
  return (body) => ({ body: { Parameter: { Name: body.Name, Type: "String", Value: value } } });
}

/**
 * A stub of AWS APIs on 127.0.0.1. `handlers` answer by target; `routes` also see the request
 * (signing region, path parameters) and answer what no handler does.
 */
/**
 * DescribeGlobalClusters' answer for one global cluster (RDS API reference, DescribeGlobalClusters,
 * GlobalCluster, GlobalClusterMember and FailoverState: the query protocol names each list item
 * GlobalClusterMember; FailoverState only while a switch is scheduled or running:
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeGlobalClusters.html). No
 * writer (null) reports a switchover under way.
 */
export function describeGlobalClustersXml(
  identifier: string,
  members: readonly string[],
  writer: string | null,
): string {
  const member = (arn: string) =>
    `<GlobalClusterMember><DBClusterArn>${arn}</DBClusterArn><IsWriter>${arn === writer}</IsWriter></GlobalClusterMember>`;
  const switching =
    writer === null ? "<FailoverState><Status>switching-over</Status></FailoverState>" : "";
  return `<DescribeGlobalClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeGlobalClustersResult>
    <GlobalClusters>
      <GlobalClusterMember>
        <GlobalClusterIdentifier>${identifier}</GlobalClusterIdentifier>
        <Status>available</Status>
        <GlobalClusterMembers>${members.map(member).join("")}</GlobalClusterMembers>${switching}
      </GlobalClusterMember>
    </GlobalClusters>
  </DescribeGlobalClustersResult>
  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</DescribeGlobalClustersResponse>`;
}

export async function startAwsStub(
  handlers: Record<string, StubHandler>,
  routes: Readonly<Record<string, StubRoute>> = {},
): Promise<AwsStub> {
  const calls: StubCall[] = [];
  const server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      // JSON protocols name the operation in X-Amz-Target; REST-JSON ones (the RDS Data API) in
      // the method and path: `POST /Execute`; the query protocol (RDS) in a form field:
      // `Query.DescribeGlobalClusters`.
      const form = String(request.headers["content-type"] ?? "").includes("x-www-form-urlencoded");
      const body = (
        form ? Object.fromEntries(new URLSearchParams(text)) : text === "" ? {} : JSON.parse(text)
      ) as Record<string, unknown>;
      const target = form
        ? `Query.${String(body.Action)}`
        : String(request.headers["x-amz-target"] ?? `${request.method ?? ""} ${request.url ?? ""}`);
      calls.push({ target, body });
      const handler = handlers[target] as StubHandler | undefined;
      const url = new URL(request.url ?? "/", "http://stub");
      const method = request.method ?? "";
      const routed =
        handler === undefined ? matchRoute(routes, target, method, url.pathname) : undefined;
      const stubRequest = (params: Record<string, string>): StubRequest => ({
        method,
        path: url.pathname,
        query: url.searchParams,
        params,
        ...signingScope(request.headers.authorization),
      });
      const answer: StubAnswer = handler?.(body) ??
        routed?.route(body, stubRequest(routed.params)) ?? {
          status: 400,
          error: "UnknownOperationException",
          message: `the stub does not serve ${target}`,
        };
      if ("xml" in answer) {
        response.writeHead(answer.status ?? 200, { "Content-Type": "text/xml" });
        response.end(answer.xml);
        return;
      }
      const [status, payload] =
        "body" in answer
          ? [200, answer.body]
          : [answer.status, { __type: answer.error, message: answer.message }];
      response.writeHead(status, { "Content-Type": "application/x-amz-json-1.0" });
      response.end(JSON.stringify(payload));
    });
  });
  const endpoint = await listen(server);
  return { endpoint, calls, close: () => close(server) };
}

/** A version of a secret in the Secrets Manager fake: its value (none yet) and staging labels. */
interface SecretVersion {
  value?: string;
  stages: string[];
}

export interface SecretsManagerFake {
  /** The stub handlers, by X-Amz-Target. */
  readonly handlers: Record<string, StubHandler>;
  /** Each secret's versions, by name or ARN as the secret was created. */
  readonly secrets: Map<string, Map<string, SecretVersion>>;
  /** Creates a secret, empty (no version) or with a first value (AWSCURRENT). */
  create(secretId: string, options?: { value?: string; rotationEnabled?: boolean }): void;
  /**
   * What RotateSecret does before it calls the rotation function: a new version `token`, labelled
   * AWSPENDING, with no value yet; `finish` removes the label once the steps succeeded.
   */
  startRotation(secretId: string, token: string): void;
  finishRotation(secretId: string, token: string): void;
}

/**
 * Secrets Manager's versions and staging labels, as the API Reference describes them: PutSecretValue
 * (a first version gets AWSCURRENT; `VersionStages` moves those labels to the new version; the
 * token is the version id, and the same token with another value is refused), GetSecretValue (by
 * VersionId and/or VersionStage, AWSCURRENT by default; ResourceNotFoundException when there is
 * no such version or it has no value), UpdateSecretVersionStage (moving AWSCURRENT puts
 * AWSPREVIOUS on the version it left; RemoveFromVersionId must name the version that has the
 * label), DescribeSecret (RotationEnabled, VersionIdsToStages) and GetRandomPassword.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html,
 * API_GetSecretValue.html, API_UpdateSecretVersionStage.html, API_DescribeSecret.html,
 * API_GetRandomPassword.html.
 */
export function secretsManagerFake(): SecretsManagerFake {
  const secrets = new Map<string, Map<string, SecretVersion>>();
  const rotation = new Map<string, boolean>();
  const notFound = (message: string): StubAnswer => ({
    status: 400,
    error: "ResourceNotFoundException",
    message,
  });
  const invalid = (message: string): StubAnswer => ({
    status: 400,
    error: "InvalidParameterException",
    message,
  });
  const versionsOf = (body: Record<string, unknown>) => secrets.get(String(body.SecretId));
  const moveLabel = (versions: Map<string, SecretVersion>, label: string, to: string) => {
    for (const [id, version] of versions) {
      if (id !== to && version.stages.includes(label)) {
        version.stages = version.stages.filter((s) => s !== label);
        if (label === "AWSCURRENT") {
          moveLabel(versions, "AWSPREVIOUS", id);
        }
      }
    }
    const target = versions.get(to);
    if (target !== undefined && !target.stages.includes(label)) {
      target.stages.push(label);
    }
  };
  let versionCounter = 0;
  const handlers: Record<string, StubHandler> = {
    "secretsmanager.DescribeSecret": (body) => {
      const versions = versionsOf(body);
      if (versions === undefined) {
        return notFound(`Secrets Manager can't find the specified secret.`);
      }
      return {
        body: {
          ARN: String(body.SecretId),
          RotationEnabled: rotation.get(String(body.SecretId)) === true,
          VersionIdsToStages: Object.fromEntries(
            [...versions].filter(([, v]) => v.stages.length > 0).map(([id, v]) => [id, v.stages]),
          ),
        },
      };
    },
    "secretsmanager.GetSecretValue": (body) => {
      const versions = versionsOf(body);
      const stage = typeof body.VersionStage === "string" ? body.VersionStage : undefined;
      const id = typeof body.VersionId === "string" ? body.VersionId : undefined;
      const wanted = id ?? stage ?? "AWSCURRENT";
      const found = [...(versions ?? [])].find(
        ([versionId, v]) =>
          (id === undefined || versionId === id) &&
          (stage === undefined
            ? id !== undefined || v.stages.includes("AWSCURRENT")
            : v.stages.includes(stage)),
      );
      if (found === undefined || found[1].value === undefined) {
        return notFound(
          `Secrets Manager can't find the specified secret value for ${id === undefined ? "staging label" : "VersionId"}: ${wanted}`,
        );
      }
      return {
        body: {
          ARN: String(body.SecretId),
          Name: String(body.SecretId),
          VersionId: found[0],
          SecretString: found[1].value,
          VersionStages: found[1].stages,
          CreatedDate: 1_764_000_000,
        },
      };
    },
    "secretsmanager.PutSecretValue": (body) => {
      const versions = versionsOf(body);
      if (versions === undefined) {
        return notFound(`Secrets Manager can't find the specified secret.`);
      }
      versionCounter += 1;
      const id = String(body.ClientRequestToken ?? `version-${versionCounter}`);
      const value = String(body.SecretString);
      const existing = versions.get(id);
      if (existing?.value !== undefined && existing.value !== value) {
        return {
          status: 400,
          error: "ResourceExistsException",
          message: `A resource with the ID you requested already exists: ${id}`,
        };
      }
      const first = [...versions.values()].every((v) => v.value === undefined);
      const stages = (body.VersionStages as string[] | undefined) ?? ["AWSCURRENT"];
      versions.set(id, { value, stages: existing?.stages ?? [] });
      for (const label of first && !stages.includes("AWSCURRENT")
        ? [...stages, "AWSCURRENT"]
        : stages) {
        moveLabel(versions, label, id);
      }
      return {
        body: {
          ARN: String(body.SecretId),
          VersionId: id,
          VersionStages: versions.get(id)?.stages,
        },
      };
    },
    "secretsmanager.UpdateSecretVersionStage": (body) => {
      const versions = versionsOf(body);
      const label = String(body.VersionStage);
      const to = String(body.MoveToVersionId);
      if (versions === undefined || !versions.has(to)) {
        return notFound(`Secrets Manager can't find the specified secret version.`);
      }
      const holder = [...versions].find(([, v]) => v.stages.includes(label))?.[0];
      if (holder !== undefined && holder !== to && body.RemoveFromVersionId !== holder) {
        return invalid(
          `The staging label ${label} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      moveLabel(versions, label, to);
      return { body: { ARN: String(body.SecretId), Name: String(body.SecretId) } };
    },
    "secretsmanager.GetRandomPassword": (body) => {
      const length = Number(body.PasswordLength ?? 32);
      const alphabet =
        body.ExcludePunctuation === true
          ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
          : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-.:;<=>?@[]^_{|}~";
      const bytes = randomBytes(length);
      return {
        body: { RandomPassword: [...bytes].map((b) => alphabet[b % alphabet.length]).join("") },
      };
    },
  };
  return {
    handlers,
    secrets,
    create(secretId, options = {}) {
      const versions = new Map<string, SecretVersion>();
      if (options.value !== undefined) {
        versions.set("version-0", { value: options.value, stages: ["AWSCURRENT"] });
      }
      secrets.set(secretId, versions);
      rotation.set(secretId, options.rotationEnabled === true);
    },
    startRotation(secretId, token) {
      const versions = secrets.get(secretId);
      if (versions !== undefined && !versions.has(token)) {
        versions.set(token, { stages: [] });
      }
      if (versions !== undefined) {
        moveLabel(versions, "AWSPENDING", token);
      }
    },
    finishRotation(secretId, token) {
      const version = secrets.get(secretId)?.get(token);
      if (version !== undefined) {
        version.stages = version.stages.filter((s) => s !== "AWSPENDING");
      }
    },
  };
}
