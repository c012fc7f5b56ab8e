/**
 * The two simulated regions of a game day (issue 14), assembled from a stack's plan: what runs is
 * what deploys — the functions' serialized code (./lambda.ts), the state machines' definitions
 * (./step-functions.ts), and the plan's names, ARNs, timeouts, batch sizes, schedules, queues,
 * health checks and TTL. Each AWS behaviour lives in its own model, which cites its page:
 * ./global-table.ts (DynamoDB), ./queues.ts and ./event-source.ts (SQS, Lambda's SQS poller),
 * ./aurora.ts (the ledger), ./route53.ts (DNS failover), ./cloudwatch.ts (metrics, alarms, SNS),
 * ../harness/access-judge.ts (every call judged against the plan's policies). This file wires them: it answers the
 * front door's calls (./front.ts) and the state machines' Tasks, and runs the pollers and
 * schedules. A region that is down answers nothing and runs nothing.
 */
import { DynamoDBClient, type AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { randomBytes } from "node:crypto";
import { keyHash, keyToItem, newApiKey } from "../../handlers/merchant-keys";
import { namedError } from "../../handlers/runtime";
import type { Evaluation } from "../engine/engine";
import { fromIntegration } from "../harness/data-api";
import { createMerchantsTable } from "../harness/emulators";
import { serializedCode } from "../harness/serialized";
import type { Postgres } from "../harness/postgres";
import { AuroraGlobal } from "./aurora";
import * as clock from "./clock";
import { CloudWatch } from "./cloudwatch";
import { SqsEventSource } from "./event-source";
import { type ApiAnswer, type AwsAnswer, type AwsRequest, FrontDoor } from "./front";
import { GlobalTable } from "./global-table";
import { AccessJudge } from "../harness/access-judge";
import { type FunctionSpec, LambdaFunction } from "./lambda";
import { RegionQueues } from "./queues";
import { Route53Failover } from "./route53";
import { type MachineSpec, StepFunctions, type TaskCall } from "./step-functions";

export type Role = "primary" | "secondary";
const ROLES: readonly Role[] = ["primary", "secondary"];
const LOCAL = { accessKeyId: "gameday", secretAccessKey: "gameday" };

/** A call a role made that its policies do not allow. */
export interface Denial {
  readonly role: string;
  readonly action: string;
  readonly resource: string;
  readonly verdict: string;
  readonly at: number;
}

const byType = (evaluation: Evaluation, type: string) =>
  evaluation.resources.filter((r) => r.type === type);
const str = (value: unknown) => String(value);

export interface RegionView {
  readonly role: Role;
  readonly name: string;
  up: boolean;
  readonly queues: RegionQueues;
  readonly parameters: Map<string, string>;
  /** When each parameter was last put (SSM's LastModifiedDate), in simulated ms. */
  readonly parametersModified: Map<string, number>;
  readonly mappings: Map<string, SqsEventSource & { maximumConcurrency: number; queueUrl: string }>;
  /** Routing control state (ARC), when the stack has them. */
  routingControlOn: boolean;
  /** The health check's last answer for this region's endpoint. */
  healthy: boolean;
}

/** The payment-method tokens of game-day payments: `tok_gameday` and ten hex digits. */
export const GAMEDAY_TOKEN_PREFIX = "tok_gameday";
const GAMEDAY_TOKEN = new RegExp(`${GAMEDAY_TOKEN_PREFIX}[0-9a-f]{10}`);

export interface WorldOptions {
  readonly evaluation: Evaluation;
  readonly postgres: Postgres;
  /** How long Aurora takes to promote a member (no writer meanwhile). */
  readonly promotionSeconds: number;
  /** The merchants that get an API key before the game day starts. */
  readonly merchants: readonly string[];
  readonly log?: (line: string) => void;
}

export class World {
  readonly evaluation: Evaluation;
  readonly account: string;
  readonly regions: Record<Role, RegionView>;
  readonly regionNames: Record<Role, string>;
  readonly functions = new Map<string, LambdaFunction>();
  readonly denials: Denial[] = [];
  readonly judge: AccessJudge;
  readonly table: GlobalTable;
  readonly aurora: AuroraGlobal;
  readonly stepFunctions: StepFunctions;
  readonly route53: Route53Failover;
  readonly cloudwatch: CloudWatch;
  readonly tableName: string;
  readonly apiDomain: string;
  /** Events the workflows published, notifications the runbooks sent, receipts written. */
  readonly published = { events: 0, notifications: [] as string[], receipts: 0 };
  /** Faults the scenario injects: Task states that fail, API queue sends that fail, health. */
  readonly faults = {
    failingStates: new Set<string>(),
    failingSends: { primary: 0, secondary: 0 } as Record<Role, number>,
    healthFailing: { primary: false, secondary: false } as Record<Role, boolean>,
  };
  /** Where a payment-method token went other than into the payments table (a leak each). */
  readonly tokenLeaks: string[] = [];
  /** The secret strings of the program's generated secrets (the API's keys), by secret name. */
  private readonly secrets = new Map<string, string>();
  /** API Gateway's cache of the authorizer's answers, by region and Authorization header. */
  private readonly authorizerCache = new Map<
    string,
    { context: Record<string, unknown>; until: number }
  >();
  /** Each merchant's API key, as `npm run merchant -- create` would have shown it. */
  private readonly merchantKeys = new Map<string, string>();
  /** Each change of a region's active-region flag: when, where, to what. */
  readonly flagChanges: { at: number; region: string; value: string }[] = [];
  /** The game day's log (verbose mode). */
  log: (line: string) => void = () => undefined;
  /** Told before anything starts running (the game day slows its clock meanwhile). */
  onBusy: () => void = () => undefined;
  private readonly front: FrontDoor;
  private readonly decisions = new Map<string, Promise<string>>();
  private readonly roleByArn = new Map<string, string>();
  private readonly tasksClients: Record<string, DynamoDBClient>;
  private readonly stops: (() => void)[] = [];

  private constructor(parts: {
    evaluation: Evaluation;
    table: GlobalTable;
    aurora: AuroraGlobal;
    front: FrontDoor;
    regions: Record<Role, RegionView>;
    tableName: string;
    apiDomain: string;
  }) {
    this.evaluation = parts.evaluation;
    this.table = parts.table;
    this.aurora = parts.aurora;
    this.front = parts.front;
    this.regions = parts.regions;
    this.tableName = parts.tableName;
    this.apiDomain = parts.apiDomain;
    this.regionNames = {
      primary: parts.regions.primary.name,
      secondary: parts.regions.secondary.name,
    };
    this.judge = new AccessJudge(parts.evaluation);
    for (const role of byType(parts.evaluation, "aws:iam/role:Role")) {
      this.roleByArn.set(str(role.outputs.arn), role.name);
    }
    this.account = str(byType(parts.evaluation, "aws:iam/role:Role")[0].outputs.arn).split(":")[4];
    this.tasksClients = Object.fromEntries(
      ROLES.map((role) => [
        this.regionNames[role],
        new DynamoDBClient({
          endpoint: parts.table.regions[this.regionNames[role]].endpoint,
          region: this.regionNames[role],
          credentials: LOCAL,
          maxAttempts: 1,
        }),
      ]),
    );
    this.stepFunctions = new StepFunctions(
      byType(parts.evaluation, "aws:sfn/stateMachine:StateMachine").map((r): MachineSpec => ({
        arn: str(r.outputs.arn),
        name: str(r.outputs.name ?? r.inputs.name),
        region: str(r.region),
        role: this.roleOf(str(r.rawInputs.roleArn)),
        definition: str(r.rawInputs.definition),
      })),
      (call) => this.task(call),
      (region) => this.regionOf(region).up,
    );
    const check = (role: Role) =>
      byType(parts.evaluation, "aws:route53/healthCheck:HealthCheck").find(
        (r) => r.name === `traffic-${role}-endpoint`,
      );
    const record = byType(parts.evaluation, "aws:route53/record:Record").find(
      (r) => r.name === "traffic-primary",
    );
    const primaryCheck = check("primary");
    this.route53 = new Route53Failover({
      primary: this.regionNames.primary,
      secondary: this.regionNames.secondary,
      intervalSeconds: Number(primaryCheck?.inputs.requestInterval ?? 30),
      failureThreshold: Number(primaryCheck?.inputs.failureThreshold ?? 3),
      ttlSeconds: Number(record?.inputs.ttl ?? 60),
      // A calculated check (with ARC) is healthy when the endpoint is and its control is on.
      probe: (region) => {
        const view = this.regionOf(region);
        return view.up && view.healthy && view.routingControlOn;
      },
    });
    this.cloudwatch = new CloudWatch(parts.evaluation, (topicArn, message) =>
      this.notify(topicArn, message),
    );
  }

  static async start(options: WorldOptions): Promise<World> {
    const { evaluation } = options;
    const regionNames = evaluation.config.regions as Record<Role, string>;
    const tableName = str(
      byType(evaluation, "aws:dynamodb/table:Table").find((r) => r.name === "primary-data-payments")
        ?.outputs.name,
    );
    const table = await GlobalTable.start({
      regions: [regionNames.primary, regionNames.secondary],
      tableName,
      keyAttribute: "paymentId",
      now: clock.now,
    });
    // The runbooks' run tables (regional, not replicated), in each region's DynamoDB.
    for (const runs of byType(evaluation, "aws:dynamodb/table:Table").filter((r) =>
      r.name.endsWith("-failover-runs"),
    )) {
      await table.regions[str(runs.region)].db.client.send(
        new CreateTableCommand({
          TableName: str(runs.outputs.name),
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: str(runs.inputs.hashKey), AttributeType: "S" }],
          KeySchema: [{ AttributeName: str(runs.inputs.hashKey), KeyType: "HASH" }],
        }),
      );
    }
    const clusterArns = Object.fromEntries(
      ROLES.map((role) => [
        regionNames[role],
        str(
          byType(evaluation, "aws:rds/cluster:Cluster").find(
            (r) => r.name === `${role}-data-ledger`,
          )?.outputs.arn,
        ),
      ]),
    );
    const flag = (role: Role) =>
      byType(evaluation, "aws:ssm/parameter:Parameter").find(
        (r) => r.name === `${role}-data-active-region`,
      );
    const writer = str(flag("primary")?.rawInputs.value);
    const aurora = await AuroraGlobal.create({
      regions: [regionNames.primary, regionNames.secondary],
      writer,
      clusterArns,
      postgres: options.postgres,
      now: clock.now,
      promotionMs: options.promotionSeconds * 1000,
    });
    const peerWatch = byType(evaluation, "aws:lambda/function:Function").find(
      (r) => r.name === "primary-failover-peer-watch",
    );
    const peerHost = new URL(
      str(
        (peerWatch?.rawInputs.environment as { variables: Record<string, string> }).variables
          .PEER_HEALTH_URL,
      ),
    ).hostname;
    const apiDomain = peerHost.slice(regionNames.secondary.length + 1);
    const holder: { world?: World } = {};
    const front = await FrontDoor.start({
      aws: (request) => holder.world?.answer(request) ?? Promise.resolve("hang" as const),
      api: (host, method, path, query) =>
        holder.world?.apiByHost(host, method, path, query) ?? Promise.resolve("hang" as const),
    });
    const regions = Object.fromEntries(
      ROLES.map((role): [Role, RegionView] => {
        const name = regionNames[role];
        const queueResources = byType(evaluation, "aws:sqs/queue:Queue").filter(
          (q) => q.region === name,
        );
        const urlByArn = new Map(
          queueResources.map((q) => [str(q.outputs.arn), str(q.outputs.url ?? q.outputs.id)]),
        );
        const queues = new RegionQueues(
          queueResources.map((q) => {
            const redrive =
              q.rawInputs.redrivePolicy === undefined
                ? undefined
                : (JSON.parse(str(q.rawInputs.redrivePolicy)) as {
                    deadLetterTargetArn: string;
                    maxReceiveCount: number;
                  });
            return {
              url: str(q.outputs.url ?? q.outputs.id),
              // SQS's default visibility timeout is 30 s (CreateQueue, VisibilityTimeout).
              visibilityTimeoutSeconds: Number(q.inputs.visibilityTimeoutSeconds ?? 30),
              ...(redrive === undefined
                ? {}
                : {
                    redrive: {
                      deadLetterUrl: str(urlByArn.get(redrive.deadLetterTargetArn)),
                      maxReceiveCount: redrive.maxReceiveCount,
                    },
                  }),
            };
          }),
          clock.now,
        );
        const parameters = new Map<string, string>();
        const parametersModified = new Map<string, number>();
        const parameter = flag(role);
        const parameterName = str(parameter?.outputs.name ?? parameter?.inputs.name);
        parameters.set(parameterName, str(parameter?.rawInputs.value));
        // Put at deployment, long before the game.
        parametersModified.set(parameterName, clock.now() - 86_400_000);
        return [
          role,
          {
            role,
            name,
            up: true,
            queues,
            parameters,
            parametersModified,
            mappings: new Map(),
            routingControlOn: true,
            healthy: true,
          },
        ];
      }),
    ) as Record<Role, RegionView>;
    const world = new World({ evaluation, table, aurora, front, regions, tableName, apiDomain });
    holder.world = world;
    await world.issueMerchantKeys(options.merchants);
    world.createFunctions(options.log);
    world.createMappings();
    return world;
  }

  get endpoint(): string {
    return this.front.endpoint;
  }

  /**
   * The API's generated secrets, and one key per merchant in the merchants table of both regions:
   * created before the game day, so replicated everywhere by the time it starts (the game day does
   * not revoke keys).
   */
  private async issueMerchantKeys(merchants: readonly string[]): Promise<void> {
    for (const secret of byType(this.evaluation, "aws:secretsmanager/secret:Secret")) {
      if (secret.name.startsWith("primary-data-api-secrets-")) {
        this.secrets.set(str(secret.rawInputs.name), randomBytes(32).toString("base64"));
      }
    }
    const pepper = [...this.secrets.entries()].find(([name]) =>
      name.endsWith("-merchant-key-pepper"),
    )?.[1];
    const merchantsTable = str(
      byType(this.evaluation, "aws:dynamodb/table:Table").find(
        (r) => r.name === "primary-data-merchants",
      )?.outputs.name,
    );
    if (pepper === undefined || merchantsTable === "") {
      throw new Error("the plan has no merchants table or key pepper");
    }
    for (const region of Object.values(this.table.regions)) {
      await createMerchantsTable(region.db, merchantsTable);
    }
    for (const merchantId of merchants) {
      const { key, keyId } = newApiKey(this.evaluation.config.environment);
      this.merchantKeys.set(merchantId, key);
      const item = keyToItem({
        keyId,
        merchantId,
        keyHash: keyHash(pepper, key),
        status: "active",
        createdAt: new Date(clock.now() - 86_400_000).toISOString(),
      });
      for (const region of Object.values(this.table.regions)) {
        await region.db.client.send(new PutItemCommand({ TableName: merchantsTable, Item: item }));
      }
    }
  }

  /** The API key of `merchantId` (one of the merchants the world was started with). */
  merchantKey(merchantId: string): string {
    const key = this.merchantKeys.get(merchantId);
    if (key === undefined) {
      throw new Error(`no API key was issued to ${merchantId}`);
    }
    return key;
  }

  roleOf(arn: string): string {
    const role = this.roleByArn.get(arn);
    if (role === undefined) {
      throw new Error(`the plan has no role ${arn}`);
    }
    return role;
  }

  regionOf(name: string): RegionView {
    const view = ROLES.map((r) => this.regions[r]).find((v) => v.name === name);
    if (view === undefined) {
      throw new Error(`no simulated region ${name}`);
    }
    return view;
  }

  /** The function `<role>-<suffix>` (`primary-compute-payments-api`). */
  fn(role: Role, suffix: string): LambdaFunction {
    const found = this.functions.get(`${role}-${suffix}`);
    if (found === undefined) {
      throw new Error(`the plan has no function ${role}-${suffix}`);
    }
    return found;
  }

  private functionByArn(arnOrName: string): LambdaFunction {
    const name = arnOrName.split(":").length >= 7 ? arnOrName.split(":")[6] : arnOrName;
    const found = [...this.functions.values()].find((f) => f.spec.functionName === name);
    if (found === undefined) {
      throw namedError("Lambda.ResourceNotFoundException", `Function not found: ${arnOrName}`);
    }
    return found;
  }

  private createFunctions(log?: (line: string) => void): void {
    for (const resource of byType(this.evaluation, "aws:lambda/function:Function")) {
      if (resource.region === null || resource.name.endsWith("-ledger-schema")) {
        continue; // the deploy-time migration is not part of a game day: the schema is applied
      }
      const spec: FunctionSpec = {
        logicalName: resource.name,
        functionName: str(resource.outputs.name ?? resource.inputs.name),
        region: resource.region,
        role: this.roleOf(str(resource.rawInputs.role)),
        code: serializedCode(this.evaluation, resource.name),
        environment:
          (resource.rawInputs.environment as { variables?: Record<string, string> } | undefined)
            ?.variables ?? {},
        timeoutSeconds: Number(resource.inputs.timeout ?? 3),
      };
      this.functions.set(
        resource.name,
        new LambdaFunction(spec, {
          endpoint: this.front.endpoint,
          apiDomain: this.apiDomain,
          clock: clock.currentSegment,
          beforeInvoke: () => this.onBusy(),
          onLog: (fn, line) => {
            this.cloudwatch.log(fn.region, line);
            if (log !== undefined && !line.startsWith("{")) {
              log(`[${fn.functionName}] ${line}`);
            }
          },
        }),
      );
    }
  }

  private createMappings(): void {
    for (const resource of byType(
      this.evaluation,
      "aws:lambda/eventSourceMapping:EventSourceMapping",
    )) {
      const view = this.regionOf(str(resource.region));
      const sourceArn = str(resource.inputs.eventSourceArn);
      const queueUrl = `https://sqs.${view.name}.amazonaws.com/${sourceArn.split(":")[4]}/${sourceArn.split(":")[5]}`;
      const fn = this.functionByArn(str(resource.inputs.functionName));
      const mapping = Object.assign(
        new SqsEventSource({
          uuid: str(resource.outputs.uuid),
          queues: view.queues,
          queueUrl,
          queueArn: sourceArn,
          region: view.name,
          batchSize: Number(resource.inputs.batchSize ?? 10),
          enabled: resource.inputs.enabled !== false,
          handler: async (event) => {
            const answer = await fn.invoke(event);
            if (!answer.ok) {
              throw namedError(answer.errorType ?? "Error", answer.error ?? "");
            }
            return (answer.result ?? {}) as never;
          },
        }),
        {
          maximumConcurrency: Number(
            (resource.inputs.scalingConfig as { maximumConcurrency?: number } | undefined)
              ?.maximumConcurrency ?? 2,
          ),
          queueUrl,
        },
      );
      view.mappings.set(mapping.uuid, mapping);
    }
  }

  /** Starts every function's environment (cold starts before the game, not during it). */
  async warm(): Promise<void> {
    await Promise.all([...this.functions.values()].map((f) => f.warm()));
  }

  /** The segment of the clock changed: every environment follows. */
  follow(segment: clock.ClockSegment): void {
    for (const fn of this.functions.values()) {
      fn.follow(segment);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Access

  /** Whether `role` may do each [action, resource]; a denial is recorded with its verdict. */
  async allowed(role: string, calls: readonly (readonly [string, string])[]): Promise<boolean> {
    for (const [action, resource] of calls) {
      const key = `${role}|${action}|${resource}`;
      let decision = this.decisions.get(key);
      if (decision === undefined) {
        decision = this.judge.decide(role, action, resource);
        this.decisions.set(key, decision);
      }
      const verdict = await decision;
      if (verdict !== "Allowed") {
        this.denials.push({ role, action, resource, verdict, at: clock.now() });
        this.log(`AccessDenied: ${role} ${action} on ${resource} (${verdict})`);
        return false;
      }
    }
    return true;
  }

  private arn(service: string, region: string, resource: string): string {
    return `arn:aws:${service}:${region}:${this.account}:${resource}`;
  }

  private queueArn(url: string): string {
    const [, , host, account, name] = url.split("/");
    return `arn:aws:sqs:${host.split(".")[1]}:${account}:${name}`;
  }

  /** Each region's KMS key (the primary key and its replica), looked up once. */
  private readonly keys = new Map<string, string>();

  private keyArn(region: string): string {
    let arn = this.keys.get(region);
    if (arn === undefined) {
      const key = byType(this.evaluation, "aws:kms/key:Key")
        .concat(byType(this.evaluation, "aws:kms/replicaKey:ReplicaKey"))
        .find((k) => k.region === region && k.name.endsWith("-keys-key"));
      arn = str(key?.outputs.arn);
      this.keys.set(region, arn);
    }
    return arn;
  }

  private globalClusterArn(id: string): string {
    return `arn:aws:rds::${this.account}:global-cluster:${id}`;
  }

  /**
   * The [action, resource] pairs AWS authorizes for a call. SQS on a queue encrypted with a KMS
   * key also needs kms:GenerateDataKey (send) and kms:Decrypt (send and receive): "Key management"
   * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
   * The Data API fetches the secret with the caller's credentials: secretsmanager:GetSecretValue
   * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.access.html).
   */
  private authorizations(request: AwsRequest): [string, string][] {
    const { service, region, operation, body } = request;
    switch (service) {
      case "dynamodb": {
        const table = this.arn("dynamodb", region, `table/${str(body.TableName)}`);
        const index = typeof body.IndexName === "string" ? `/index/${body.IndexName}` : "";
        return [[`dynamodb:${operation}`, table + index]];
      }
      case "sqs": {
        const action = operation.replace(/Batch$/, "");
        const queue = this.queueArn(str(body.QueueUrl));
        const key = this.keyArn(region);
        const kms: [string, string][] =
          action === "SendMessage"
            ? [
                ["kms:GenerateDataKey", key],
                ["kms:Decrypt", key],
              ]
            : action === "ReceiveMessage"
              ? [["kms:Decrypt", key]]
              : [];
        return [[`sqs:${action}`, queue], ...kms];
      }
      case "ssm":
        return [
          [
            `ssm:${operation}`,
            this.arn("ssm", region, `parameter/${str(body.Name).replace(/^\//, "")}`),
          ],
        ];
      case "rds-data":
        return [
          ["rds-data:ExecuteStatement", str(body.resourceArn)],
          ["secretsmanager:GetSecretValue", str(body.secretArn)],
        ];
      case "rds":
        return [[`rds:${operation}`, this.globalClusterArn(str(body.GlobalClusterIdentifier))]];
      // A secret under a customer managed key is decrypted with the caller's permissions too
      // (Secrets Manager User Guide, "Secret encryption and decryption":
      // https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
      case "secretsmanager":
        return [
          [`secretsmanager:${operation}`, str(body.SecretId)],
          ["kms:Decrypt", this.keyArn(region)],
        ];
      case "lambda":
        return [
          [
            `lambda:${operation}`,
            this.arn("lambda", region, `event-source-mapping:${str(body.UUID)}`),
          ],
        ];
      case "states":
        return [[`states:${operation}`, str(body.stateMachineArn ?? body.executionArn)]];
      case "monitoring":
        return [[`cloudwatch:${operation}`, "*"]];
      case "route53-recovery-cluster":
        return (body.UpdateRoutingControlStateEntries as { RoutingControlArn: string }[]).map(
          (e) => ["route53-recovery-cluster:UpdateRoutingControlStates", e.RoutingControlArn],
        );
      default:
        return [[`${service}:${operation}`, "*"]];
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The front door: every call a handler makes

  async answer(request: AwsRequest): Promise<AwsAnswer> {
    // Every call is its signing region's: ARC's cluster has an endpoint in each of five regions
    // and a caller signs for the endpoint's own; one in a region that is down does not answer.
    const regional = ROLES.map((r) => this.regions[r]).find((v) => v.name === request.region);
    if (regional !== undefined && !regional.up) {
      return "hang";
    }
    const caller = ROLES.find((r) => request.role === `${r}-compute-payments-api`);
    if (
      caller !== undefined &&
      request.service === "sqs" &&
      request.operation === "SendMessage" &&
      this.faults.failingSends[caller] > 0
    ) {
      // The scenario's queue-send failure: SQS answers an internal error (HTTP 500).
      this.faults.failingSends[caller] -= 1;
      return { error: "InternalFailure", message: "the game day fails this send", status: 500 };
    }
    // The API's conditional put of a payment is the one call that carries its token.
    const keepsTheRecord =
      request.service === "dynamodb" &&
      request.operation === "PutItem" &&
      str(request.body.TableName) === this.tableName;
    if (!keepsTheRecord) {
      this.watchForToken(`${request.role} ${request.service}:${request.operation}`, request.text);
    }
    if (!(await this.allowed(request.role, this.authorizations(request)))) {
      return {
        error: "AccessDeniedException",
        message: `${request.role} is not authorized to perform ${request.service}:${request.operation}`,
        status: request.service === "rds" ? 403 : 400,
      };
    }
    try {
      return await this.serve(request);
    } catch (error) {
      return { error: (error as Error).name, message: (error as Error).message };
    }
  }

  private async serve(request: AwsRequest): Promise<AwsAnswer> {
    const { service, region, operation, body } = request;
    const view = this.regionOf(region);
    switch (service) {
      case "dynamodb":
        return { raw: await this.forwardDynamoDb(region, request) };
      case "sqs":
        return { json: view.queues.dispatch(operation, body) };
      case "ssm": {
        const name = str(body.Name);
        if (operation === "GetParameter") {
          const value = view.parameters.get(name);
          if (value === undefined) {
            throw namedError("ParameterNotFound", name);
          }
          // LastModifiedDate: epoch seconds in the JSON protocol
          // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Parameter.html).
          return {
            json: {
              Parameter: {
                Name: name,
                Type: "String",
                Value: value,
                LastModifiedDate: (view.parametersModified.get(name) ?? 0) / 1000,
              },
            },
          };
        }
        if (operation === "PutParameter") {
          this.setParameter(view, name, str(body.Value));
          return { json: { Version: 2, Tier: "Standard" } };
        }
        break;
      }
      case "secretsmanager": {
        // A secret's ARN is its name, a hyphen and six random characters.
        const id = str(body.SecretId);
        const name = id.startsWith("arn:") ? id.split(":")[6].replace(/-[A-Za-z0-9]{6}$/, "") : id;
        const value = this.secrets.get(name);
        if (operation !== "GetSecretValue" || value === undefined) {
          throw namedError("ResourceNotFoundException", `Secrets Manager can't find ${id}`);
        }
        return {
          json: { ARN: id, Name: name, SecretString: value, VersionStages: ["AWSCURRENT"] },
        };
      }
      case "rds-data": {
        const cluster = str(body.resourceArn);
        const clusterRegion = cluster.split(":")[3];
        const answer = await this.aurora.execute(
          clusterRegion,
          str(body.sql),
          (body.parameters ?? []) as never,
        );
        return { json: answer };
      }
      case "rds":
        if (operation === "DescribeGlobalClusters") {
          return { xml: this.describeGlobalClusters(str(body.GlobalClusterIdentifier)) };
        }
        break;
      case "lambda": {
        const mapping = view.mappings.get(str(body.UUID));
        if (mapping === undefined) {
          throw namedError(
            "ResourceNotFoundException",
            `The resource you requested does not exist. ${str(body.UUID)}`,
          );
        }
        if (operation === "UpdateEventSourceMapping" && typeof body.Enabled === "boolean") {
          mapping.enabled = body.Enabled;
        }
        return {
          json: {
            UUID: mapping.uuid,
            State: mapping.enabled ? "Enabled" : "Disabled",
            EventSourceArn: this.queueArn(mapping.queueUrl),
          },
        };
      }
      case "states":
        return { json: this.stepFunctions.serve(operation, body) };
      case "monitoring":
        if (operation === "GetMetricData") {
          return {
            json: this.cloudwatch.getMetricData(region, body, {
              auroraMs: this.aurora.replicationLagMs,
              dynamodbMs: this.table.replicationLatencyMs,
            }),
          };
        }
        break;
      case "route53-recovery-cluster":
        for (const entry of body.UpdateRoutingControlStateEntries as {
          RoutingControlArn: string;
          RoutingControlState: string;
        }[]) {
          const control = byType(
            this.evaluation,
            "aws:route53recoverycontrol/routingControl:RoutingControl",
          ).find((r) => r.outputs.arn === entry.RoutingControlArn);
          const role: Role =
            control?.name.startsWith("traffic-primary") === true ? "primary" : "secondary";
          this.regions[role].routingControlOn = entry.RoutingControlState === "On";
        }
        return { json: {} };
      default:
        break;
    }
    throw namedError(
      "UnknownOperationException",
      `the game day does not serve ${service} ${operation}`,
    );
  }

  private async forwardDynamoDb(region: string, request: AwsRequest) {
    const response = await fetch(this.table.regions[region].endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": str(request.headers["x-amz-target"]),
        authorization: str(request.headers.authorization),
        "x-amz-date": str(request.headers["x-amz-date"]),
      },
      body: request.text,
    });
    return {
      status: response.status,
      headers: {
        "content-type": response.headers.get("content-type") ?? "application/x-amz-json-1.0",
      },
      body: await response.text(),
    };
  }

  /** DescribeGlobalClusters as the RDS query API answers it (members, writer, FailoverState). */
  private describeGlobalClusters(id: string): string {
    const state = this.aurora.describe();
    const members = state.members
      .map(
        (m) =>
          `<GlobalClusterMember><DBClusterArn>${m.clusterArn}</DBClusterArn><IsWriter>${m.isWriter}</IsWriter></GlobalClusterMember>`,
      )
      .join("");
    const failover =
      state.failoverState === null
        ? ""
        : `<FailoverState><Status>${state.failoverState.status}</Status><FromDbClusterArn>${state.failoverState.from}</FromDbClusterArn><ToDbClusterArn>${state.failoverState.to}</ToDbClusterArn><IsDataLossAllowed>false</IsDataLossAllowed></FailoverState>`;
    return `<DescribeGlobalClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeGlobalClustersResult><GlobalClusters><GlobalClusterMember><GlobalClusterIdentifier>${id}</GlobalClusterIdentifier><GlobalClusterArn>${this.globalClusterArn(id)}</GlobalClusterArn><Status>${state.status}</Status><GlobalClusterMembers>${members}</GlobalClusterMembers>${failover}</GlobalClusterMember></GlobalClusters></DescribeGlobalClustersResult><ResponseMetadata><RequestId>gameday</RequestId></ResponseMetadata></DescribeGlobalClustersResponse>`;
  }

  // ---------------------------------------------------------------------------------------------
  // The API (API Gateway's Lambda proxy integration)

  /**
   * A request to a region's API: API Gateway invokes the function with the proxy event and answers
   * its response; a function error or timeout is a 502/504 (API Gateway developer guide, "Handle
   * Lambda errors": https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html).
   */
  async api(region: string, event: Record<string, unknown>): Promise<ApiAnswer | "hang"> {
    const view = this.regionOf(region);
    if (!view.up) {
      return "hang";
    }
    const health = String(event.path ?? "").startsWith("/health");
    if (health && this.faults.healthFailing[view.role]) {
      this.cloudwatch.apiRequest(region, 503);
      return { statusCode: 503, body: JSON.stringify({ status: "unhealthy", reason: "game day" }) };
    }
    const suffix = health ? "compute-health" : "compute-payments-api";
    const authorized = health ? event : await this.authorize(view.role, event);
    if ("statusCode" in authorized) {
      this.cloudwatch.apiRequest(region, Number(authorized.statusCode));
      return authorized as unknown as ApiAnswer;
    }
    const answer = await this.fn(view.role, suffix).invoke(authorized);
    const response: ApiAnswer = answer.ok
      ? (answer.result as ApiAnswer)
      : answer.errorType === "Sandbox.Timedout"
        ? { statusCode: 504, body: JSON.stringify({ message: "Endpoint request timed out" }) }
        : { statusCode: 502, body: JSON.stringify({ message: "Internal server error" }) };
    this.cloudwatch.apiRequest(region, response.statusCode);
    return response;
  }

  /**
   * API Gateway's REQUEST authorizer step for a payment route (API Gateway Developer Guide, "Use
   * API Gateway Lambda authorizers":
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html):
   * without the identity source (the Authorization header) a 401 without a call; the function's
   * "Unauthorized" a 401; any other failure a 500; an answer's context goes to the integration as
   * `requestContext.authorizer`. An answer is cached per region and header value for the
   * authorizer's TTL (authorizerResultTtlInSeconds), on the game day's clock.
   */
  private async authorize(
    role: Role,
    event: Record<string, unknown>,
  ): Promise<Record<string, unknown> | ApiAnswer> {
    const unauthorized = {
      statusCode: 401,
      body: JSON.stringify({ error: { code: "UNAUTHENTICATED", message: "no valid API key" } }),
    };
    const headers = (event.headers ?? {}) as Record<string, string>;
    const authorization = Object.entries(headers).find(
      ([name]) => name.toLowerCase() === "authorization",
    )?.[1];
    if (authorization === undefined || authorization === "") {
      return unauthorized;
    }
    const region = this.regionNames[role];
    const cacheKey = `${region} ${authorization}`;
    const cached = this.authorizerCache.get(cacheKey);
    if (cached !== undefined && cached.until > clock.now()) {
      return { ...event, requestContext: { authorizer: cached.context } };
    }
    const answer = await this.fn(role, "compute-merchant-authorizer").invoke({
      type: "REQUEST",
      methodArn: `arn:aws:execute-api:${region}:${this.account}:gameday/v1/${str(event.httpMethod)}${str(event.path)}`,
      headers,
    });
    if (!answer.ok) {
      return answer.error === "Unauthorized"
        ? unauthorized
        : { statusCode: 500, body: JSON.stringify({ error: { code: "UNAVAILABLE" } }) };
    }
    const result = answer.result as { principalId: string; context: Record<string, unknown> };
    const context = { ...result.context, principalId: result.principalId };
    const ttlMs = this.evaluation.config.api.authorizerCacheSeconds * 1000;
    if (ttlMs > 0) {
      this.authorizerCache.set(cacheKey, { context, until: clock.now() + ttlMs });
    }
    return { ...event, requestContext: { authorizer: context } };
  }

  private async apiByHost(host: string, method: string, path: string, query: URLSearchParams) {
    const region =
      host === this.apiDomain
        ? this.route53.answer()
        : host.slice(0, host.length - this.apiDomain.length - 1);
    return this.api(region, {
      httpMethod: method,
      path,
      resource: path,
      queryStringParameters: query.size === 0 ? null : Object.fromEntries(query),
      headers: {},
      body: null,
    });
  }

  /** A health check of a region's endpoint, as Route 53's checkers ask it (2xx/3xx passes). */
  async checkHealth(role: Role): Promise<void> {
    const view = this.regions[role];
    const check = byType(this.evaluation, "aws:route53/healthCheck:HealthCheck").find(
      (r) => r.name === `traffic-${role}-endpoint`,
    );
    const resourcePath = new URL(str(check?.inputs.resourcePath ?? "/health"), "https://x");
    const answer = await this.api(view.name, {
      httpMethod: "GET",
      path: resourcePath.pathname,
      resource: resourcePath.pathname,
      queryStringParameters:
        resourcePath.search === "" ? null : Object.fromEntries(resourcePath.searchParams),
      headers: {},
      body: null,
    });
    view.healthy = answer !== "hang" && answer.statusCode >= 200 && answer.statusCode < 400;
  }

  // ---------------------------------------------------------------------------------------------
  // Step Functions' Tasks, as the state machine's role

  /** Records `where` as a leak when `payload` carries a game day payment-method token. */
  private watchForToken(where: string, payload: unknown): void {
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    if (text !== undefined && GAMEDAY_TOKEN.test(text)) {
      this.tokenLeaks.push(where);
    }
  }

  private async task(call: TaskCall): Promise<unknown> {
    this.onBusy();
    this.tasksInFlight += 1;
    try {
      // What a Task sends and what it gets back are in the execution's history.
      this.watchForToken(`${call.machine.name} ${call.state} parameters`, call.input);
      const result = await this.taskAnswer(call);
      this.watchForToken(`${call.machine.name} ${call.state} result`, result);
      return result;
    } catch (error) {
      this.log(
        `${call.machine.name} ${call.state}: ${(error as Error).name}: ${(error as Error).message.slice(0, 200)}`,
      );
      throw error;
    } finally {
      this.tasksInFlight -= 1;
    }
  }

  private async taskAnswer(call: TaskCall): Promise<unknown> {
    const { machine, resource, input, state } = call;
    const region = machine.region;
    if (!this.regionOf(region).up) {
      // The region's own service is down with it: the Task never returns.
      return new Promise(() => undefined);
    }
    if (this.faults.failingStates.has(state)) {
      throw namedError("States.TaskFailed", `the game day fails ${state}`);
    }
    const integration = resource.replace("arn:aws:states:::", "");
    const role = machine.role;
    const deny = (service: string) =>
      namedError(`${service}.AccessDeniedException`, `${role} may not ${integration}`);
    switch (integration) {
      case "dynamodb:getItem":
      case "dynamodb:putItem":
      case "dynamodb:updateItem": {
        const operation = integration.split(":")[1];
        const action = `dynamodb:${operation[0].toUpperCase()}${operation.slice(1)}`;
        if (
          !(await this.allowed(role, [
            [action, this.arn("dynamodb", region, `table/${str(input.TableName)}`)],
          ]))
        ) {
          throw deny("DynamoDB");
        }
        const client = this.tasksClients[region];
        try {
          const output =
            operation === "getItem"
              ? await client.send(new GetItemCommand(input as never))
              : operation === "putItem"
                ? await client.send(new PutItemCommand(input as never))
                : await client.send(new UpdateItemCommand(input as never));
          const { $metadata: _metadata, ...result } = output;
          return result;
        } catch (error) {
          throw namedError(`DynamoDB.${(error as Error).name}`, (error as Error).message);
        }
      }
      case "lambda:invoke": {
        const fn = this.functionByArn(str(input.FunctionName));
        const arn = this.arn("lambda", fn.spec.region, `function:${fn.spec.functionName}`);
        if (!(await this.allowed(role, [["lambda:InvokeFunction", arn]]))) {
          throw deny("Lambda");
        }
        const answer = await fn.invoke(input.Payload ?? {});
        if (!answer.ok) {
          throw namedError(answer.errorType ?? "Error", answer.error ?? "");
        }
        return { Payload: answer.result, StatusCode: 200, ExecutedVersion: "$LATEST" };
      }
      case "aws-sdk:rdsdata:executeStatement": {
        const cluster = str(input.ResourceArn);
        if (
          !(await this.allowed(role, [
            ["rds-data:ExecuteStatement", cluster],
            ["secretsmanager:GetSecretValue", str(input.SecretArn)],
          ]))
        ) {
          throw deny("RdsData");
        }
        const parameters = fromIntegration(input.Parameters);
        try {
          const answer = await this.aurora.execute(
            cluster.split(":")[3],
            str(input.Sql),
            parameters,
          );
          return {
            Records: answer.records ?? [],
            NumberOfRecordsUpdated: answer.numberOfRecordsUpdated,
          };
        } catch (error) {
          throw namedError(`RdsData.${(error as Error).name}`, (error as Error).message);
        }
      }
      case "aws-sdk:s3:putObject": {
        const object = `arn:aws:s3:::${str(input.Bucket)}/${str(input.Key)}`;
        if (!(await this.allowed(role, [["s3:PutObject", object]]))) {
          throw deny("S3");
        }
        this.published.receipts += 1;
        return { ETag: '"gameday"' };
      }
      case "events:putEvents": {
        const entries = input.Entries as { EventBusName: string }[];
        const bus = this.arn("events", region, `event-bus/${entries[0].EventBusName}`);
        if (!(await this.allowed(role, [["events:PutEvents", bus]]))) {
          throw deny("EventBridge");
        }
        this.published.events += entries.length;
        return { Entries: entries.map((_, i) => ({ EventId: `e-${i}` })), FailedEntryCount: 0 };
      }
      case "sqs:sendMessage": {
        const url = str(input.QueueUrl);
        const key = this.keyArn(region);
        if (
          !(await this.allowed(role, [
            ["sqs:SendMessage", this.queueArn(url)],
            ["kms:GenerateDataKey", key],
            ["kms:Decrypt", key],
          ]))
        ) {
          throw deny("SQS");
        }
        const id = this.regionOf(region).queues.send(
          url,
          str(input.MessageBody),
          Number(input.DelaySeconds ?? 0),
        );
        this.cloudwatch.messageSent(region, url);
        return { MessageId: id };
      }
      case "sns:publish": {
        if (!(await this.allowed(role, [["sns:Publish", str(input.TopicArn)]]))) {
          throw deny("SNS");
        }
        this.published.notifications.push(str(input.Subject));
        return { MessageId: "n-1" };
      }
      case "aws-sdk:ssm:putParameter": {
        const name = str(input.Name);
        if (
          !(await this.allowed(role, [
            ["ssm:PutParameter", this.arn("ssm", region, `parameter/${name.replace(/^\//, "")}`)],
          ]))
        ) {
          throw deny("Ssm");
        }
        this.setParameter(this.regionOf(region), name, str(input.Value));
        return { Version: 2, Tier: "Standard" };
      }
      case "aws-sdk:rds:switchoverGlobalCluster":
      case "aws-sdk:rds:failoverGlobalCluster": {
        const operation = integration.endsWith("switchoverGlobalCluster")
          ? "SwitchoverGlobalCluster"
          : "FailoverGlobalCluster";
        const target = str(input.TargetDbClusterIdentifier);
        const members = this.aurora.describe().members.map((m) => m.clusterArn);
        // The call acts on the global cluster and on its members (Service Authorization Reference).
        const resources = [this.globalClusterArn(str(input.GlobalClusterIdentifier)), ...members];
        if (
          !(await this.allowed(
            role,
            resources.map((r) => [`rds:${operation}`, r] as [string, string]),
          ))
        ) {
          throw deny("Rds");
        }
        try {
          this.aurora.switchTo(
            target.split(":")[3],
            operation === "SwitchoverGlobalCluster" ? "switchover" : "failover",
            input.AllowDataLoss === true,
          );
        } catch (error) {
          throw namedError(`Rds.${(error as Error).name}`, (error as Error).message);
        }
        return { GlobalCluster: { GlobalClusterIdentifier: input.GlobalClusterIdentifier } };
      }
      default:
        throw namedError("States.Runtime", `the game day does not serve ${resource}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // SNS: alarm notifications to their subscribers

  private notify(topicArn: string, message: Record<string, unknown>): void {
    for (const subscription of byType(
      this.evaluation,
      "aws:sns/topicSubscription:TopicSubscription",
    )) {
      if (subscription.inputs.topic !== topicArn || subscription.inputs.protocol !== "lambda") {
        continue;
      }
      // A filter policy on the message body: only the named alarms are delivered.
      const filter = JSON.parse(str(subscription.inputs.filterPolicy ?? "{}")) as Record<
        string,
        string[]
      >;
      const passes = Object.entries(filter).every(([key, values]) =>
        values.includes(str(message[key])),
      );
      const fn = this.functionByArn(str(subscription.inputs.endpoint));
      if (!passes || !this.regionOf(fn.spec.region).up) {
        continue;
      }
      void fn.invoke({
        Records: [
          { EventSource: "aws:sns", Sns: { TopicArn: topicArn, Message: JSON.stringify(message) } },
        ],
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // What runs by itself: pollers, schedules, health checks, replication, alarms

  /** Starts the event source pollers, schedules, health checks and replication. */
  run(): void {
    // The game starts on a minute boundary (run.ts), where its first periods begin.
    this.cloudwatch.since = Math.floor(clock.now() / 60_000) * 60_000;
    for (const role of ROLES) {
      const view = this.regions[role];
      for (const mapping of view.mappings.values()) {
        // Lambda scales the pollers up to the mapping's maximum concurrency; a game day's load
        // needs a few. Each poller takes a batch, waits for the function, and polls again.
        const pollers = Math.min(mapping.maximumConcurrency, 4);
        for (let i = 0; i < pollers; i += 1) {
          this.loop(1_000, async () => {
            if (!view.up || !mapping.enabled) {
              return false;
            }
            const result = await mapping.poll();
            return result.received > 0;
          });
        }
      }
      for (const schedule of byType(this.evaluation, "aws:scheduler/schedule:Schedule").filter(
        (s) => s.region === view.name,
      )) {
        const rate = /^rate\((\d+) minutes?\)$/.exec(str(schedule.inputs.scheduleExpression));
        if (rate === null) {
          continue;
        }
        const fn = this.functionByArn(str((schedule.inputs.target as { arn: string }).arn));
        const fire = () => {
          if (view.up) {
            // EventBridge Scheduler invokes asynchronously; these targets retry 0 times.
            void fn.invoke({});
          }
        };
        // The system has run before the game: a schedule's last run is at its start, not a whole
        // rate before (which would leave the first alarm periods without data).
        fire();
        const timer = setInterval(fire, Number(rate[1]) * 60_000);
        this.stops.push(() => clearInterval(timer));
      }
    }
    const interval = setInterval(
      () => {
        for (const role of ROLES) {
          void this.checkHealth(role).catch(() => undefined);
        }
      },
      Number(
        byType(this.evaluation, "aws:route53/healthCheck:HealthCheck").find(
          (r) => r.name === "traffic-primary-endpoint",
        )?.inputs.requestInterval ?? 30,
      ) * 1000,
    );
    this.stops.push(() => clearInterval(interval));
    this.loop(250, async () => {
      const now = clock.now();
      await this.table.deliver(now);
      await this.aurora.advance(now);
      this.route53.advance(now);
      return false;
    });
    const minute = setInterval(() => {
      for (const role of ROLES) {
        const view = this.regions[role];
        for (const url of view.queues.urls()) {
          this.cloudwatch.queueDepth(view.name, url, view.queues.depth(url).visible);
        }
        this.cloudwatch.healthCheck(role, this.route53.isHealthy(view.name));
      }
      this.cloudwatch.evaluate(clock.now(), (region) => this.regionOf(region).up);
    }, 60_000);
    this.stops.push(() => clearInterval(minute));
  }

  /** Runs `step` again and again: at once when it did something, after `idleMs` when not. */
  private loop(idleMs: number, step: () => Promise<boolean>): void {
    let stopped = false;
    this.stops.push(() => {
      stopped = true;
    });
    const next = async (): Promise<void> => {
      while (!stopped) {
        const busy = await step().catch(() => false);
        if (!busy) {
          await new Promise((resolve) => setTimeout(resolve, idleMs));
        }
      }
    };
    void next();
  }

  /** Tasks of the state machines being answered now. */
  private tasksInFlight = 0;

  /**
   * Whether anything is being done now: an invocation or a Task under way. An execution in a
   * Wait state or between retries is not: only its timer runs.
   */
  busy(): boolean {
    return this.tasksInFlight > 0 || [...this.functions.values()].some((f) => f.inFlight > 0);
  }

  private setParameter(view: RegionView, name: string, value: string): void {
    if (view.parameters.get(name) !== value) {
      this.flagChanges.push({ at: clock.now(), region: view.name, value });
      this.log(`${view.name}'s ${name} now names ${value}`);
    }
    view.parameters.set(name, value);
    // Every put is a new version, the same value or not (PutParameter with Overwrite).
    view.parametersModified.set(name, clock.now());
  }

  /** Stops the pollers, schedules and checks (the end of the game). */
  stopActivity(): void {
    for (const stop of this.stops.splice(0)) {
      stop();
    }
  }

  /** Messages in the payments and repair queues of regions that are up (any state). */
  queued(): number {
    let total = 0;
    for (const role of ROLES) {
      const view = this.regions[role];
      for (const url of view.queues.urls().filter((u) => !u.includes("dlq"))) {
        const depth = view.queues.depth(url);
        total += depth.visible + depth.inFlight + depth.delayed;
      }
    }
    return total;
  }

  /** The writer region's role (where the ledger writes; the primary while a switch is under way). */
  private writerRole(): Role {
    return this.aurora.writerRegion === this.regionNames.secondary ? "secondary" : "primary";
  }

  /** Each payment's status in the writer region's table, by id. */
  async statuses(): Promise<Map<string, string>> {
    const items = await this.payments(this.writerRole());
    return new Map(items.map((i) => [String(i.paymentId?.S), String(i.status?.S)]));
  }

  /** The end state the invariants judge (./invariants.ts), from the writer region's view. */
  async outcome() {
    const writer = this.writerRole();
    const items = await this.payments(writer);
    const parkedBodies = ROLES.flatMap((role) =>
      this.regions[role].queues
        .urls()
        .filter((u) => u.includes("repair"))
        .flatMap((u) => this.regions[role].queues.bodies(u)),
    ).join("\n");
    const payments = Object.fromEntries(
      items.map((i) => [
        String(i.paymentId?.S),
        {
          status: String(i.status?.S) as "RECEIVED" | "COMPLETED" | "FAILED",
          ledgerAttempted: i.ledgerAttemptedAt !== undefined,
          parked: parkedBodies.includes(String(i.paymentId?.S)),
        },
      ]),
    );
    const debits = (
      await this.aurora.query(
        this.regionNames[writer],
        "SELECT payment_id FROM ledger_entries WHERE direction = 'debit'",
      )
    ).map((row) => row[0]);
    const lost = [
      ...new Set(this.aurora.lost.flatMap((sql) => /'(pay_[0-9a-f]+)'/.exec(sql)?.[1] ?? [])),
    ];
    return {
      payments,
      ledgerDebits: debits,
      alarmsRaised: this.cloudwatch.raised,
      parkedAlarms: this.cloudwatch.alarms
        .filter((a) => a.name.includes("payments-parked"))
        .map((a) => a.name),
      rpo: { lost, restored: lost.filter((id) => debits.includes(id)) },
      writer: { region: this.regionNames[writer], moves: this.aurora.moves },
      denied: this.denials.map((d) => `${d.role}: ${d.action} on ${d.resource} (${d.verdict})`),
      tokenLeaks: [...new Set(this.tokenLeaks)],
    };
  }

  setRegionUp(role: Role, up: boolean): void {
    this.regions[role].up = up;
    this.regions[role].queues.reachable = up;
    this.table.setReachable(this.regionNames[role], up);
    this.aurora.setReachable(this.regionNames[role], up);
  }

  // ---------------------------------------------------------------------------------------------
  // The end state

  /** Every item of a region's payments table. */
  async payments(role: Role): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.table.regions[this.regionNames[role]].db.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0)) {
      stop();
    }
    await Promise.all([...this.functions.values()].map((f) => f.close()));
    for (const client of Object.values(this.tasksClients)) {
      client.destroy();
    }
    await this.front.close();
    await this.table.close();
    await this.aurora.close();
  }
}
