/**
 * The estimated monthly cost of a stack: its resources (as the plan or the policy pack sees them)
 * priced with model/prices.ts. Fixed items come from the resources themselves (an endpoint in two
 * zones is two endpoint-hours an hour); usage items from an assumed number of payments a month
 * and the per-payment work below, each stated, so a reader can redo the sum. Free tiers are
 * ignored (which raises the figure) and what is not estimated is listed beside it (which would
 * raise it): an estimate for that volume, not a bound.
 */
import { PRICES, PRICES_AS_OF, type Price, type PriceItem } from "./prices";
import { asArray, record } from "./props";

/** Hours in a month, as AWS pricing pages count them (730 = 8760 / 12). */
export const HOURS_PER_MONTH = 730;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

/** A resource as the estimate reads it: the plan's record, or a policy resource. */
export interface CostedResource {
  readonly type: string;
  readonly urn: string;
  /** The region it runs in; null for a global service (IAM, Route 53, ARC). */
  readonly region: string | null;
  readonly props: Readonly<Record<string, unknown>>;
}

export interface CostAssumptions {
  readonly paymentsPerMonth: number;
  /** The region that takes the payments (the other one replicates them). */
  readonly activeRegion: string;
}

/**
 * The work one payment causes in the active region, the basis of every usage item. A payment is
 * accepted (POST /payments), looked up once (GET), queued, processed in a batch by the processor,
 * run through the payment workflow to Completed, written to the ledger and given a receipt.
 */
export const PER_PAYMENT = {
  /** POST /payments and one GET /payments/{id}: API Gateway requests, each inspected by WAF. */
  apiRequests: 2,
  /**
   * Writes of the payment item, at most 1 KB (one write request unit each): the API's PutItem and
   * the workflow's MarkLedgerAttempted and MarkCompleted. The global table replicates each to the
   * other region, which bills a replicated write there.
   */
  tableWrites: 3,
  /**
   * Writes to the table's global secondary indexes, billed as table writes in each region ("Updates
   * to Global Secondary Indexes (GSIs) are billed using the same units as single-Region DynamoDB
   * tables, even if the base table for the GSI is a replica table",
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/global-tables-billing.html):
   * byMerchant (all attributes) follows each of the 3 item writes, pending (all attributes) holds
   * the item from the accept to MarkCompleted (3), bySettledHour takes it at MarkCompleted (1).
   */
  indexWrites: 7,
  /**
   * Reads: the GET, the workflow's ReadPayment, and the authorize step's velocity query of the
   * merchant's recent payments (assumed within 4 KB). The merchant authorizer's reads are cached.
   */
  tableReads: 3,
  /** X-Ray traces: each API request and the workflow execution (tracing is on for both). */
  traces: 3,
  /** Standard workflow state transitions on the way to Completed (handlers/payments workflow). */
  workflowTransitions: 13,
  /** SQS requests: the API's SendMessage; the processor's receives and deletes are per batch. */
  queueRequests: 1,
  /** RDS Data API requests: begin, insert the ledger entry, commit. */
  dataApiRequests: 3,
  /** Aurora write I/Os of the ledger entry, each also replicated to the secondary cluster. */
  ledgerWriteIos: 4,
  /** EventBridge events (the outcome, on the custom bus; archived there). */
  events: 1,
  /** Months of payments kept in the table, the ledger and the receipts bucket. */
  monthsRetained: 12,
} as const;

/** Sizes of one payment's records: the table item, the ledger row, the receipt object. */
const TABLE_ITEM_BYTES = 1024;
const LEDGER_ROW_BYTES = 512;
const RECEIPT_BYTES = 2048;
/** The JSON log lines of one function run. */
const LOG_BYTES_PER_RUN = 1024;
/** Run time of the health function per check (reads the flag and probes the stores, cached). */
const HEALTH_SECONDS = 0.05;

const gigabytes = (bytes: number) => bytes / 1e9;

/** The queue of payments (not the repair queue, not a dead-letter queue), by name. */
const isPaymentsQueue = (arn: unknown) => /-payments-[a-z]+\d+$/.test(String(arn));

/**
 * Invocations and run time of the functions that take part in a payment, by the base of their
 * name (components/*: namer.regional("lambdaFunction", base, region)). The processor works in
 * batches: its invocations per payment are 1 / batch size.
 */
export const FUNCTION_WORK: Readonly<
  Record<string, { readonly perPayment: number | "batch"; readonly seconds: number }>
> = {
  "payments-api": { perPayment: 2, seconds: 0.1 },
  "merchant-authorizer": { perPayment: 2, seconds: 0.05 },
  "payments-processor": { perPayment: "batch", seconds: 0.3 },
  authorize: { perPayment: 1, seconds: 0.1 },
};

/** Functions that run on a schedule, by base: their run time per invocation. */
const SCHEDULED_SECONDS: Readonly<Record<string, number>> = { sweeper: 2, "peer-watch": 1 };

/**
 * Route 53 health checkers per checker region. AWS does not publish the number; its guide says
 * checkers "don't coordinate with one another, so you'll sometimes see several requests per
 * second regardless of the interval" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
 */
export const HEALTH_CHECKERS_PER_REGION = 3;

/**
 * Lambda's SQS pollers on an idle queue: five long polls of 20 s at a time ("Lambda ... polls the
 * queue ... using long polling", starting with five pollers:
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html).
 */
const IDLE_POLLS_PER_MONTH = (5 * SECONDS_PER_MONTH) / 20;

/** What the estimate leaves out, said beside the figure. */
export const NOT_ESTIMATED = [
  // Payments are API calls and callbacks: a few KB a payment.
  "data transfer to the internet",
  // A few KB a payment through the endpoints; NAT carries little.
  "endpoint and NAT data processing",
  // Aurora's is free up to the cluster's size; AWS Backup's grows with the data kept.
  "backup storage, copies and restore tests",
  // Grow with retention: logs are priced as they are written.
  "log and event archive storage",
  // The services cache data keys; the handlers cache secrets and the active-region flag.
  "KMS, Secrets Manager and Parameter Store requests",
  // Minutes a month.
  "failover runs and game days",
];

export interface CostLine {
  /** The top-level component the resource belongs to (Network, DataTier, …), or "Stack". */
  readonly component: string;
  /** The region billed, or "global". */
  readonly region: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
  readonly basis: "fixed" | "usage";
  readonly price: PriceItem;
}

export interface CostEstimate {
  readonly currency: "USD";
  readonly pricesAsOf: string;
  readonly assumptions: CostAssumptions & { readonly perPayment: typeof PER_PAYMENT };
  readonly totalUsd: number;
  readonly byRegion: Readonly<Record<string, number>>;
  readonly byComponent: Readonly<Record<string, number>>;
  readonly lines: readonly CostLine[];
  /** Resources the price table cannot price (another region, another instance class). */
  readonly unpriced: readonly string[];
  readonly notEstimated: readonly string[];
  /** Every function runs on arm64 (Graviton), priced per GB-second accordingly. */
  readonly lambdaArchitecture: string;
}

/** The top-level component of a resource, from its URN's type chain. */
function componentOf(urn: string): string {
  const chain = urn.split("::")[2] ?? "";
  const top = chain.split("$")[0];
  return chain.includes("$") ? (top.split(":").pop() ?? top) : "Stack";
}

/** A function's memory and the GB-second price of its architecture. */
function runTimeOf(props: Readonly<Record<string, unknown>>): {
  memoryGb: number;
  gbSecond: PriceItem;
} {
  return {
    memoryGb: Number(props.memorySize ?? 128) / 1024,
    gbSecond: asArray(props.architectures).includes("arm64")
      ? "lambdaArmGbSecond"
      : "lambdaX86GbSecond",
  };
}

const round = (usd: number) => Math.round(usd * 100) / 100;

/**
 * Estimates a stack's monthly cost. Resources in a region the price table does not list are
 * reported as unpriced rather than priced with another region's figures.
 */
export function estimateMonthlyCost(
  resources: readonly CostedResource[],
  assumptions: CostAssumptions,
): CostEstimate {
  const lines: CostLine[] = [];
  const unpriced = new Set<string>();
  const payments = assumptions.paymentsPerMonth;
  const priceIn = (region: string | null): Readonly<Record<PriceItem, Price>> | undefined =>
    PRICES[(region ?? "us-east-1") as keyof typeof PRICES];

  const add = (
    r: CostedResource,
    price: PriceItem,
    quantity: number,
    item: string,
    basis: CostLine["basis"] = "fixed",
    region: string | null = r.region,
  ) => {
    const table = priceIn(region);
    if (table === undefined) {
      unpriced.add(`${r.type} in ${String(region)} (no prices for the region in model/prices.ts)`);
      return;
    }
    if (quantity === 0) {
      return;
    }
    const { usd, unit } = table[price];
    const perUnit = /per million/.test(unit)
      ? 1e6
      : /per 10,000/.test(unit)
        ? 1e4
        : /per 1,000 /.test(unit)
          ? 1e3
          : 1;
    lines.push({
      component: componentOf(r.urn),
      region: region ?? "global",
      item,
      quantity,
      unit,
      usd: (quantity / perUnit) * usd,
      basis,
      price,
    });
  };

  const active = assumptions.activeRegion;
  const retained = payments * PER_PAYMENT.monthsRetained;
  const isActive = (r: CostedResource) => r.region === active;
  const of = (type: string) => resources.filter((r) => r.type === type);
  const clusters = of("aws:rds/cluster:Cluster");

  const functions = of("aws:lambda/function:Function");
  const baseOf = (name: unknown, bases: readonly string[]) =>
    bases.find((base) => String(name).includes(`-${base}-`));
  const isPaymentsTable = (name: string) => /-payments$/.test(name);

  for (const r of resources) {
    const p = r.props;
    switch (r.type) {
      // Under pulumi up awsx's children are resources of their own; offline only the VPC is.
      case "aws:ec2/natGateway:NatGateway":
        add(r, "natGatewayHour", HOURS_PER_MONTH, "NAT gateway, every hour");
        add(r, "publicIpv4AddressHour", HOURS_PER_MONTH, "NAT gateway IPv4 address");
        break;
      case "awsx:ec2:Vpc": {
        if (of("aws:ec2/natGateway:NatGateway").length > 0) {
          break;
        }
        const nat = record(p.natGateways).strategy;
        const zones = Number(p.numberOfAvailabilityZones ?? 2);
        const count = nat === "OnePerAz" ? zones : nat === "Single" ? 1 : 0;
        add(r, "natGatewayHour", count * HOURS_PER_MONTH, `${count} NAT gateways, every hour`);
        add(
          r,
          "publicIpv4AddressHour",
          count * HOURS_PER_MONTH,
          `${count} NAT gateway IPv4 addresses`,
        );
        break;
      }
      case "aws:ec2/vpcEndpoint:VpcEndpoint":
        if (p.vpcEndpointType === "Interface") {
          const zones = asArray(p.subnetIds).length;
          const service = String(p.serviceName).split(".").slice(3).join(".");
          add(
            r,
            "interfaceEndpointHour",
            zones * HOURS_PER_MONTH,
            `${service} endpoint in ${zones} zones`,
          );
        }
        break;
      case "aws:rds/clusterInstance:ClusterInstance": {
        const instanceClass = String(p.instanceClass);
        if (instanceClass === "db.serverless") {
          const cluster = clusters.find((c) => c.props.clusterIdentifier === p.clusterIdentifier);
          const scaling = record(cluster?.props.serverlessv2ScalingConfiguration);
          const acus = Number(scaling.minCapacity ?? 0.5);
          add(
            r,
            "auroraServerlessV2AcuHour",
            acus * HOURS_PER_MONTH,
            `Serverless v2 instance at its minimum, ${acus} ACU`,
          );
          break;
        }
        const item = `auroraInstanceHour_${instanceClass.replace(/\./g, "_")}`;
        if (!(item in (priceIn(r.region) ?? {}))) {
          unpriced.add(`Aurora instance class ${instanceClass} (not in model/prices.ts)`);
          break;
        }
        add(r, item as PriceItem, HOURS_PER_MONTH, `${instanceClass} instance, every hour`);
        break;
      }
      case "aws:rds/cluster:Cluster":
        add(
          r,
          "auroraStorageGbMonth",
          gigabytes(retained * LEDGER_ROW_BYTES),
          "ledger storage",
          "usage",
        );
        if (isActive(r)) {
          add(
            r,
            "auroraIoPerMillion",
            payments * PER_PAYMENT.ledgerWriteIos,
            "ledger write I/Os",
            "usage",
          );
          add(
            r,
            "rdsDataApiRequestPerMillion",
            payments * PER_PAYMENT.dataApiRequests,
            "Data API requests",
            "usage",
          );
        } else if (p.globalClusterIdentifier !== undefined) {
          add(
            r,
            "auroraGlobalReplicatedWriteIoPerMillion",
            payments * PER_PAYMENT.ledgerWriteIos,
            "ledger write I/Os replicated here",
            "usage",
          );
        }
        break;
      case "aws:dynamodb/table:Table":
      case "aws:dynamodb/tableReplica:TableReplica": {
        const name = String(p.name ?? String(p.globalTableArn).split("/").pop());
        if (!isPaymentsTable(name)) {
          break;
        }
        const gb = gigabytes(retained * TABLE_ITEM_BYTES);
        add(r, "dynamodbStorageGbMonth", gb, `${name} storage`, "usage");
        if (record(p.pointInTimeRecovery).enabled === true || p.pointInTimeRecovery === true) {
          add(r, "dynamodbPitrGbMonth", gb, `${name} point-in-time recovery`, "usage");
        }
        add(
          r,
          "dynamodbWriteRequestPerMillion",
          payments * PER_PAYMENT.indexWrites,
          `${name} index writes`,
          "usage",
        );
        if (isActive(r)) {
          add(
            r,
            "dynamodbWriteRequestPerMillion",
            payments * PER_PAYMENT.tableWrites,
            `${name} writes`,
            "usage",
          );
          add(
            r,
            "dynamodbReadRequestPerMillion",
            payments * PER_PAYMENT.tableReads,
            `${name} reads`,
            "usage",
          );
        } else {
          add(
            r,
            "dynamodbReplicatedWritePerMillion",
            payments * PER_PAYMENT.tableWrites,
            `${name} writes replicated here`,
            "usage",
          );
        }
        break;
      }
      case "aws:lambda/function:Function": {
        const { memoryGb, gbSecond } = runTimeOf(p);
        const work = FUNCTION_WORK[baseOf(p.name, Object.keys(FUNCTION_WORK)) ?? ""];
        if (work !== undefined && isActive(r)) {
          const mapping = of("aws:lambda/eventSourceMapping:EventSourceMapping").find(
            (m) => m.props.functionName === p.name && isPaymentsQueue(m.props.eventSourceArn),
          );
          const invocations =
            work.perPayment === "batch"
              ? payments / Number(mapping?.props.batchSize ?? 10)
              : payments * work.perPayment;
          const runs = work.perPayment === "batch" ? payments : payments * work.perPayment;
          add(r, "lambdaRequestPerMillion", invocations, `${String(p.name)} invocations`, "usage");
          add(r, gbSecond, runs * work.seconds * memoryGb, `${String(p.name)} run time`, "usage");
          add(
            r,
            "cloudwatchLogsIngestGb",
            gigabytes(runs * LOG_BYTES_PER_RUN),
            `${String(p.name)} logs`,
            "usage",
          );
        }
        const scheduled = SCHEDULED_SECONDS[baseOf(p.name, Object.keys(SCHEDULED_SECONDS)) ?? ""];
        if (scheduled !== undefined) {
          const schedule = of("aws:scheduler/schedule:Schedule").find((s) =>
            String(record(s.props.target).arn).endsWith(`:function:${String(p.name)}`),
          );
          const every = /rate\((\d+) minutes?\)/.exec(String(schedule?.props.scheduleExpression));
          const invocations = SECONDS_PER_MONTH / 60 / Number(every?.[1] ?? 1);
          add(r, "lambdaRequestPerMillion", invocations, `${String(p.name)} on its schedule`);
          add(r, gbSecond, invocations * scheduled * memoryGb, `${String(p.name)} run time`);
          add(r, "schedulerInvocationPerMillion", invocations, `${String(p.name)} schedule`);
        }
        break;
      }
      case "aws:lambda/eventSourceMapping:EventSourceMapping":
        add(
          r,
          "sqsStandardRequestPerMillion",
          IDLE_POLLS_PER_MONTH,
          "Lambda's long polls of a queue",
        );
        if (isActive(r) && isPaymentsQueue(p.eventSourceArn)) {
          add(
            r,
            "sqsStandardRequestPerMillion",
            payments * PER_PAYMENT.queueRequests,
            "payment messages sent",
            "usage",
          );
        }
        break;
      case "aws:sfn/stateMachine:StateMachine":
        if (isActive(r) && String(p.name).includes("-payments-")) {
          add(
            r,
            "stepFunctionsStandardPer1000Transitions",
            payments * PER_PAYMENT.workflowTransitions,
            "payment workflow transitions",
            "usage",
          );
        }
        break;
      case "aws:apigateway/restApi:RestApi":
        if (isActive(r)) {
          add(
            r,
            "apiGatewayRestRequestPerMillion",
            payments * PER_PAYMENT.apiRequests,
            "payment API requests",
            "usage",
          );
          const requests = payments * PER_PAYMENT.apiRequests;
          add(
            r,
            "cloudwatchLogsIngestGb",
            gigabytes(requests * LOG_BYTES_PER_RUN),
            "API access logs",
            "usage",
          );
        }
        break;
      case "aws:apigateway/stage:Stage":
        if (isActive(r) && p.xrayTracingEnabled === true) {
          add(
            r,
            "xrayTracePerMillion",
            payments * PER_PAYMENT.traces,
            "X-Ray traces of the API and the workflow",
            "usage",
          );
        }
        break;
      case "aws:wafv2/webAcl:WebAcl": {
        const rules = asArray(p.rules).length;
        add(r, "wafWebAclMonth", 1, "web ACL");
        add(r, "wafRuleMonth", rules, `${rules} rules and managed rule groups`);
        if (isActive(r)) {
          add(
            r,
            "wafRequestPerMillion",
            payments * PER_PAYMENT.apiRequests,
            "payment API requests inspected",
            "usage",
          );
        }
        break;
      }
      case "aws:route53/zone:Zone":
        add(r, "route53HostedZoneMonth", 1, "hosted zone");
        break;
      case "aws:route53/healthCheck:HealthCheck": {
        add(r, "route53HealthCheckAwsEndpointMonth", 1, `${String(p.type)} health check`);
        const https = p.type === "HTTPS" || p.type === "HTTPS_STR_MATCH";
        const options: [boolean, PriceItem, string][] = [
          [https, "route53HealthCheckHttpsOptionMonth", "HTTPS"],
          [
            p.measureLatency === true,
            "route53HealthCheckLatencyOptionMonth",
            "latency measurement",
          ],
          [
            Number(p.requestInterval) === 10,
            "route53HealthCheckFastIntervalOptionMonth",
            "10-second interval",
          ],
          [
            String(p.type).endsWith("_STR_MATCH"),
            "route53HealthCheckStringMatchOptionMonth",
            "string matching",
          ],
        ];
        for (const [on, price, what] of options) {
          add(r, price, on ? 1 : 0, `health check option: ${what}`);
        }
        if (https || p.type === "HTTP") {
          // Every checker's request is a request to the regional API (api.<zone> in that region).
          const region = String(p.fqdn).split(".")[0];
          const requests =
            (asArray(p.regions).length * HEALTH_CHECKERS_PER_REGION * SECONDS_PER_MONTH) /
            Number(p.requestInterval ?? 30);
          const healthFn = functions.find(
            (f) => f.region === region && baseOf(f.props.name, ["health"]),
          );
          add(
            r,
            "apiGatewayRestRequestPerMillion",
            requests,
            "health-check requests",
            "fixed",
            region,
          );
          add(
            r,
            "wafRequestPerMillion",
            of("aws:wafv2/webAcl:WebAcl").some((w) => w.region === region) ? requests : 0,
            "health-check requests inspected",
            "fixed",
            region,
          );
          add(
            r,
            "lambdaRequestPerMillion",
            requests,
            "health function invocations",
            "fixed",
            region,
          );
          const health = runTimeOf(healthFn?.props ?? {});
          add(
            r,
            health.gbSecond,
            requests * HEALTH_SECONDS * health.memoryGb,
            "health function run time",
            "fixed",
            region,
          );
        }
        break;
      }
      case "aws:route53recoverycontrol/cluster:Cluster":
        add(r, "arcClusterHour", HOURS_PER_MONTH, "ARC cluster, every hour");
        break;
      case "aws:kms/key:Key":
      case "aws:kms/replicaKey:ReplicaKey":
        add(r, "kmsKeyMonth", 1, "customer managed key");
        break;
      case "aws:secretsmanager/secret:Secret":
        add(r, "secretsManagerSecretMonth", 1, "secret");
        for (const replica of asArray(p.replicas)) {
          add(
            r,
            "secretsManagerSecretMonth",
            1,
            "secret replica",
            "fixed",
            String(record(replica).region),
          );
        }
        break;
      case "aws:cloudwatch/metricAlarm:MetricAlarm": {
        const metrics = asArray(p.metricQueries).filter((q) => record(q).metric !== undefined);
        add(r, "cloudwatchAlarmStandardMonth", Math.max(1, metrics.length), "alarm metrics");
        break;
      }
      case "aws:cloudwatch/compositeAlarm:CompositeAlarm":
        add(r, "cloudwatchCompositeAlarmMonth", 1, "composite alarm");
        break;
      case "aws:cloudwatch/dashboard:Dashboard":
        add(r, "cloudwatchDashboardMonth", 1, "dashboard");
        break;
      case "aws:cloudwatch/eventBus:EventBus":
        if (isActive(r)) {
          add(
            r,
            "eventBridgeCustomEventPerMillion",
            payments * PER_PAYMENT.events,
            "payment events",
            "usage",
          );
        }
        break;
      case "aws:s3/bucket:Bucket":
        if (String(p.bucket).includes("-receipts-")) {
          add(
            r,
            "s3StandardGbMonth",
            gigabytes(retained * RECEIPT_BYTES),
            "receipts stored",
            "usage",
          );
          // The replica is a PUT in the destination bucket too.
          add(
            r,
            "s3PutPer1000",
            payments,
            isActive(r) ? "receipt PUTs" : "replicated receipt PUTs",
            "usage",
          );
        }
        break;
      case "aws:s3/bucketReplicationConfig:BucketReplicationConfig":
        if (isActive(r)) {
          const replicated = gigabytes(
            payments * (TABLE_ITEM_BYTES + LEDGER_ROW_BYTES + RECEIPT_BYTES),
          );
          add(
            r,
            "interRegionDataTransferGb",
            replicated,
            "table, ledger and receipt replication",
            "usage",
          );
          add(
            r,
            "s3RtcDataGb",
            gigabytes(payments * RECEIPT_BYTES),
            "receipts under Replication Time Control",
            "usage",
          );
        }
        break;
    }
  }

  const sum = (key: (l: CostLine) => string) =>
    Object.fromEntries(
      [...new Set(lines.map(key))]
        .sort()
        .map((k) => [k, round(lines.filter((l) => key(l) === k).reduce((s, l) => s + l.usd, 0))]),
    );
  return {
    currency: "USD",
    pricesAsOf: PRICES_AS_OF,
    assumptions: { ...assumptions, perPayment: PER_PAYMENT },
    totalUsd: round(lines.reduce((s, l) => s + l.usd, 0)),
    byRegion: sum((l) => l.region),
    byComponent: sum((l) => l.component),
    lines: lines.map((l) => ({ ...l, usd: round(l.usd) })),
    unpriced: [...unpriced].sort(),
    notEstimated: NOT_ESTIMATED,
    lambdaArchitecture: "arm64",
  };
}
