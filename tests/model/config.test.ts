import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CONFIG_DECLARATIONS,
  CONFIG_KEYS,
  ConfigError,
  LOG_RETENTION_DAYS,
  parseStackConfig,
  type RawConfig,
} from "../../model/config";
import { AWS_REGIONS } from "../../model/regions";
import { PROJECT_ROOT } from "../../tools/engine/engine";
import { configDifferences } from "../../tools/pulumi-config";
import { readProject, readStackSettings } from "../../tools/engine/stack-files";

const project = "payments-dr";

const DEV: RawConfig = {
  primaryRegion: "us-east-1",
  secondaryRegion: "us-west-2",
  environment: "",
  production: "false",
  protectData: "false",
  namePrefix: "acmepay",
  dnsZoneName: "payments.acmepay.io",
  alertEmail: "",
  allowedAccountIds: "[]",
  owner: "payments-platform",
  costCenter: "cc-4021",
  dataClassification: "restricted",
  availabilityZoneCount: "2",
  backupRetentionDays: "7",
  logRetentionDays: "30",
  primaryVpcCidr: "10.10.0.0/16",
  secondaryVpcCidr: "10.20.0.0/16",
  natGateways: "none",
  interfaceEndpoints: "called",
  estimatedPaymentsPerMonth: "1000000",
  monthlyCostBudgetUsd: "0",
  pitrRecoveryDays: "35",
  receiptsInfrequentAccessDays: "30",
  noncurrentVersionExpirationDays: "90",
  auroraEngineVersion: "17.9",
  auroraInstanceClass: "db.serverless",
  auroraMaxCapacity: "4",
  ledgerCredentialsRotationDays: "30",
  dynamodbConsistency: "eventual",
  dynamodbWitnessRegion: "",
  paymentLimits: '["EUR:1000000","USD:1000000"]',
  velocityAmountLimits: '["EUR:5000000","USD:5000000"]',
  velocityWindowSeconds: "3600",
  velocityMaxPayments: "1000",
  highValueAmounts: '["EUR:500000","USD:500000"]',
  paymentTokenPrefix: "tok_",
  authorizerCacheSeconds: "60",
  mutualTlsTruststore: "",
  authorizeTimeoutSeconds: "10",
  authorizeReservedConcurrency: "20",
  hostedZoneId: "",
  apiThrottleRateLimit: "100",
  apiThrottleBurstLimit: "200",
  lambdaConcurrencyQuota: "1000",
  parameterStoreHighThroughput: "false",
  wafRateLimit: "30000",
  apiTimeoutSeconds: "10",
  apiReservedConcurrency: "50",
  processorTimeoutSeconds: "30",
  processorReservedConcurrency: "10",
  processorBatchSize: "10",
  processorBatchWindowSeconds: "0",
  queueMaxReceiveCount: "5",
  queueRetentionDays: "4",
  sweeperMinAgeSeconds: "900",
  healthCheckIntervalSeconds: "10",
  healthCheckFailureThreshold: "2",
  healthCheckRegions: '["us-east-1","us-west-2","eu-west-1"]',
  failoverRecordTtlSeconds: "60",
  rtoTrafficSeconds: "90",
  rpoSeconds: "5",
  eventBridgeGlobalEndpoint: "false",
  automaticWriteFailover: "false",
  arcRoutingControls: "false",
  failoverIncidentWindowSeconds: "900",
  alarmEvaluationPeriods: "3",
  alarmApi5xxPercent: "1",
  alarmApiP99LatencyMs: "2000",
  alarmWorkflowFailuresPerMinute: "10",
  alarmDynamodbReplicationLatencyMs: "5000",
  alarmAuroraRpoLagMs: "1000",
  alarmAuroraReplicationLagMs: "2000",
  alarmS3ReplicationLatencySeconds: "900",
};

const PROD: RawConfig = {
  ...DEV,
  production: "true",
  protectData: "true",
  allowedAccountIds: '["418295077265"]',
  availabilityZoneCount: "3",
};

function problemsOf(raw: RawConfig, stack = "dev"): readonly string[] {
  try {
    parseStackConfig(raw, { project, stack });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("the configuration was accepted");
}

const RESERVED =
  "is reserved (RFC 2606/6761) and cannot be a Route 53 hosted zone; use a domain your organisation owns";
const NOT_DNS =
  "is not a DNS name: at least two labels of 1–63 lowercase letters, digits or inner hyphens (e.g. payments.acme.io)";
const longName = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(60)}.io`;

/** Each bad value, on an otherwise valid dev (or prod) config, and the exact problem it causes. */
const CASES: readonly [string, RawConfig, string, string?][] = [
  [
    "unknown region",
    { ...DEV, primaryRegion: "us-east-9" },
    `payments-dr:primaryRegion = "us-east-9": is not an AWS region this program supports; allowed: ${AWS_REGIONS.join(", ")}`,
  ],
  [
    "identical regions",
    { ...DEV, secondaryRegion: "us-east-1" },
    'payments-dr:secondaryRegion = "us-east-1": must differ from primaryRegion: a standby in the same region is no standby',
  ],
  [
    "example.com",
    { ...DEV, dnsZoneName: "example.com" },
    `payments-dr:dnsZoneName = "example.com": ${RESERVED}`,
  ],
  [
    "example.org",
    { ...DEV, dnsZoneName: "example.org" },
    `payments-dr:dnsZoneName = "example.org": ${RESERVED}`,
  ],
  [
    "a subdomain of example.net",
    { ...DEV, dnsZoneName: "api.example.net" },
    `payments-dr:dnsZoneName = "api.example.net": ${RESERVED}`,
  ],
  [
    "a .test name",
    { ...DEV, dnsZoneName: "payments.test" },
    `payments-dr:dnsZoneName = "payments.test": ${RESERVED}`,
  ],
  [
    "a *.test wildcard",
    { ...DEV, dnsZoneName: "*.test" },
    `payments-dr:dnsZoneName = "*.test": ${RESERVED}`,
  ],
  [
    "localhost",
    { ...DEV, dnsZoneName: "localhost" },
    `payments-dr:dnsZoneName = "localhost": ${RESERVED}`,
  ],
  [
    "an uppercase zone",
    { ...DEV, dnsZoneName: "Payments.Acme.io" },
    'payments-dr:dnsZoneName = "Payments.Acme.io": must be lowercase: Route 53 stores names in lowercase (write "payments.acme.io")',
  ],
  [
    "a zone over 253 characters",
    { ...DEV, dnsZoneName: longName },
    `payments-dr:dnsZoneName = "${longName}": is 255 characters; a DNS name has at most 253`,
  ],
  [
    "a single label",
    { ...DEV, dnsZoneName: "acmepay" },
    `payments-dr:dnsZoneName = "acmepay": ${NOT_DNS}`,
  ],
  [
    "a label starting with a hyphen",
    { ...DEV, dnsZoneName: "-pay.acme.io" },
    `payments-dr:dnsZoneName = "-pay.acme.io": ${NOT_DNS}`,
  ],
  [
    "an environment that breaks AWS names",
    { ...DEV, environment: "Prod_EU" },
    'payments-dr:environment = "Prod_EU": must be 2–10 lowercase letters or digits starting with a letter (it is part of every physical name)',
  ],
  [
    "a stack name that breaks AWS names when environment is unset",
    { ...DEV, environment: "" },
    'payments-dr:environment = "qa_east": must be 2–10 lowercase letters or digits starting with a letter (it is part of every physical name)',
    "qa_east",
  ],
  [
    "a name prefix with a hyphen",
    { ...DEV, namePrefix: "acme-pay" },
    'payments-dr:namePrefix = "acme-pay": must be 2–10 lowercase letters or digits starting with a letter (it prefixes every physical name)',
  ],
  [
    "negative backup retention",
    { ...DEV, backupRetentionDays: "-1" },
    "payments-dr:backupRetentionDays = -1: must be between 7 and 35 days (Aurora and AWS Backup limits)",
  ],
  [
    "backup retention over 35 days",
    { ...DEV, backupRetentionDays: "36" },
    "payments-dr:backupRetentionDays = 36: must be between 7 and 35 days (Aurora and AWS Backup limits)",
  ],
  [
    "a fractional retention",
    { ...DEV, backupRetentionDays: "7.5" },
    'payments-dr:backupRetentionDays = "7.5": must be an integer',
  ],
  [
    "a log retention CloudWatch refuses",
    { ...DEV, logRetentionDays: "45" },
    `payments-dr:logRetentionDays = 45: is not a CloudWatch Logs retention; allowed: ${LOG_RETENTION_DAYS.join(", ")}`,
  ],
  [
    "one availability zone",
    { ...DEV, availabilityZoneCount: "1" },
    "payments-dr:availabilityZoneCount = 1: must be between 2 and 6 availability zones",
  ],
  [
    "seven availability zones",
    { ...DEV, availabilityZoneCount: "7" },
    "payments-dr:availabilityZoneCount = 7: must be between 2 and 6 availability zones",
  ],
  [
    "a non-boolean flag",
    { ...DEV, production: "yes" },
    'payments-dr:production = "yes": must be true or false',
  ],
  [
    "an account id list that is not a list",
    { ...DEV, allowedAccountIds: "418295077265" },
    'payments-dr:allowedAccountIds = "418295077265": must be a list',
  ],
  [
    "a malformed account id",
    { ...DEV, allowedAccountIds: '["4182950"]' },
    'payments-dr:allowedAccountIds = ["4182950"]: must list 12-digit AWS account ids',
  ],
  [
    "a missing tag value",
    { ...DEV, owner: undefined },
    "payments-dr:owner is required (pulumi config set owner <value>)",
  ],
  [
    "an empty tag value",
    { ...DEV, owner: "  " },
    'payments-dr:owner = "  ": must not be empty (the Owner tag value)',
  ],
  [
    "a tag value AWS refuses",
    { ...DEV, costCenter: "cc#4021" },
    'payments-dr:costCenter = "cc#4021": has characters AWS tags do not allow (the CostCenter tag); allowed: letters, digits, spaces and _.:/=+-@',
  ],
  [
    "an unknown data classification",
    { ...DEV, dataClassification: "secret" },
    'payments-dr:dataClassification = "secret": must be one of public, internal, confidential, restricted',
  ],
  [
    "a malformed alert e-mail",
    { ...DEV, alertEmail: "oncall@acmepay" },
    'payments-dr:alertEmail = "oncall@acmepay": is not an e-mail address',
  ],
  [
    "a VPC network too small for its subnets",
    { ...DEV, primaryVpcCidr: "10.10.0.0/24" },
    'payments-dr:primaryVpcCidr = "10.10.0.0/24": is not an IPv4 network with a /16 to /20 prefix (e.g. 10.10.0.0/16)',
  ],
  [
    "a VPC network that is not a network address",
    { ...DEV, secondaryVpcCidr: "10.20.1.0/16" },
    'payments-dr:secondaryVpcCidr = "10.20.1.0/16": is not an IPv4 network with a /16 to /20 prefix (e.g. 10.10.0.0/16)',
  ],
  [
    "overlapping regional networks",
    { ...DEV, secondaryVpcCidr: "10.10.128.0/17" },
    'payments-dr:secondaryVpcCidr = "10.10.128.0/17": overlaps primaryVpcCidr 10.10.0.0/16: the regions\' networks must not overlap',
  ],
  [
    "an unknown NAT strategy",
    { ...DEV, natGateways: "two" },
    'payments-dr:natGateways = "two": must be one of none, single, onePerAz',
  ],
  [
    "an unknown choice of interface endpoints",
    { ...DEV, interfaceEndpoints: "some" },
    'payments-dr:interfaceEndpoints = "some": must be one of called, all',
  ],
  [
    "point-in-time recovery beyond 35 days",
    { ...DEV, pitrRecoveryDays: "36" },
    "payments-dr:pitrRecoveryDays = 36: must be between 1 and 35 days (DynamoDB point-in-time recovery)",
  ],
  [
    "an infrequent-access transition S3 refuses",
    { ...DEV, receiptsInfrequentAccessDays: "14" },
    "payments-dr:receiptsInfrequentAccessDays = 14: must be 0 (no transition) or at least 30: S3 moves objects to STANDARD_IA after 30 days at the earliest",
  ],
  [
    "noncurrent versions kept for no time",
    { ...DEV, noncurrentVersionExpirationDays: "0" },
    "payments-dr:noncurrentVersionExpirationDays = 0: must be between 1 and 3650 days",
  ],
  [
    "more zones than awsx can carve next to NAT gateways' public subnets",
    { ...DEV, availabilityZoneCount: "5", natGateways: "single" },
    'payments-dr:availabilityZoneCount = 5: cannot be carved from primaryVpcCidr 10.10.0.0/16 with natGateways single: each zone gets a /19 (8192 addresses), but its subnets need 9216 ("Subnets are too large for VPC"); use at most 4 zones with NAT gateways, or natGateways none',
  ],
  [
    "a region without the RDS Data API",
    { ...DEV, secondaryRegion: "ap-southeast-4" },
    'payments-dr:secondaryRegion = "ap-southeast-4": ap-southeast-4 does not offer the RDS Data API for Aurora PostgreSQL, which every handler uses to reach the ledger (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html)',
  ],
  [
    "a malformed engine version",
    { ...DEV, auroraEngineVersion: "16.6" },
    'payments-dr:auroraEngineVersion = "16.6": is not an Aurora PostgreSQL version this program accepts; allowed: 17.7, 17.9 (model/config.ts lists the versions Aurora currently offers)',
  ],
  [
    "a T instance class",
    { ...DEV, auroraInstanceClass: "db.t4g.medium" },
    'payments-dr:auroraInstanceClass = "db.t4g.medium": is a T class, which the RDS Data API (used by the handlers) does not support',
  ],
  [
    "a malformed instance class",
    { ...DEV, auroraInstanceClass: "r6g.large" },
    'payments-dr:auroraInstanceClass = "r6g.large": must be db.serverless or an instance class such as db.r6g.large',
  ],
  [
    "capacity beyond Aurora Serverless v2",
    { ...DEV, auroraMaxCapacity: "512" },
    "payments-dr:auroraMaxCapacity = 512: must be between 1 and 256 Aurora capacity units",
  ],
  [
    "an unknown consistency mode",
    { ...DEV, dynamodbConsistency: "linearizable" },
    'payments-dr:dynamodbConsistency = "linearizable": must be one of eventual, strong',
  ],
  [
    "strong consistency without a witness",
    { ...DEV, dynamodbConsistency: "strong" },
    "payments-dr:dynamodbWitnessRegion is required when dynamodbConsistency is strong (a third region that witnesses writes)",
  ],
  [
    "a witness that is one of the two regions",
    { ...DEV, dynamodbConsistency: "strong", dynamodbWitnessRegion: "us-west-2" },
    'payments-dr:dynamodbWitnessRegion = "us-west-2": must be a third region, neither primaryRegion nor secondaryRegion',
  ],
  [
    "a witness outside the regions' strong-consistency set",
    { ...DEV, dynamodbConsistency: "strong", dynamodbWitnessRegion: "eu-west-1" },
    'payments-dr:dynamodbWitnessRegion = "eu-west-1": must share a strong-consistency region set with primaryRegion and secondaryRegion: us-east-1/us-east-2/us-west-2; eu-west-1/eu-west-2/eu-west-3/eu-central-1; ap-northeast-1/ap-northeast-2/ap-northeast-3',
  ],
  [
    "a witness in eventual mode",
    { ...DEV, dynamodbWitnessRegion: "us-east-2" },
    'payments-dr:dynamodbWitnessRegion = "us-east-2": is only used when dynamodbConsistency is strong',
  ],
  [
    "a payment limit that is not CURRENCY:MINOR_UNITS",
    { ...DEV, paymentLimits: '["EUR:10.50"]' },
    'payments-dr:paymentLimits = ["EUR:10.50"]: must list CURRENCY:MINOR_UNITS pairs such as "EUR:1000000" (ISO 4217 code, whole minor units)',
  ],
  [
    "no accepted currency",
    { ...DEV, paymentLimits: "[]", velocityAmountLimits: "[]" },
    "payments-dr:paymentLimits = []: must accept at least one currency",
  ],
  [
    "velocity limits for other currencies than the accepted ones",
    { ...DEV, velocityAmountLimits: '["EUR:5000000"]' },
    'payments-dr:velocityAmountLimits = ["EUR:5000000"]: must name the same currencies as paymentLimits (EUR, USD)',
  ],
  [
    "a reserved concurrency above the account's reservable share",
    { ...DEV, authorizeReservedConcurrency: "901" },
    "payments-dr:authorizeReservedConcurrency = 901: must be between 1 and 900 concurrent executions",
  ],
  [
    "reserved concurrencies that together would starve the account",
    {
      ...DEV,
      apiReservedConcurrency: "400",
      processorReservedConcurrency: "100",
      parameterStoreHighThroughput: "true",
    },
    "payments-dr:lambdaConcurrencyQuota = 1000: leaves 900 concurrent executions to reserve after Lambda's 100 unreserved, but the primary region's 11 functions reserve 932 (payments-api 400, merchant-authorizer 400, payments-processor 100, authorize 20, health 5, sweeper 1, peer-watch 1, failover-steps 2, failover-orchestrator 1, ledger-schema 1, ledger-rotation 1); raise the account's quota (Service Quotas L-B99A9384) to at least 1032 in both regions and set this key to it, or lower the *ReservedConcurrency keys",
  ],
  [
    "an account with a new account's concurrency quota",
    { ...DEV, lambdaConcurrencyQuota: "50" },
    "payments-dr:lambdaConcurrencyQuota = 50: leaves -50 concurrent executions to reserve after Lambda's 100 unreserved, but the primary region's 11 functions reserve 142 (payments-api 50, merchant-authorizer 50, payments-processor 10, authorize 20, health 5, sweeper 1, peer-watch 1, failover-steps 2, failover-orchestrator 1, ledger-schema 1, ledger-rotation 1); raise the account's quota (Service Quotas L-B99A9384) to at least 242 in both regions and set this key to it, or lower the *ReservedConcurrency keys",
  ],
  [
    "flag reads over half of Parameter Store's default throughput",
    { ...DEV, apiReservedConcurrency: "100" },
    "payments-dr:parameterStoreHighThroughput = false: is false, but at full concurrency the region's functions could read the active-region flag 27.6 times a second (one read per environment every 5 s), over half of Parameter Store's 40 a second; set it to true (a paid, account-wide setting) or lower the *ReservedConcurrency keys",
  ],
  [
    "a WAF limit that blocks a merchant at the stage's own rate",
    { ...PROD, apiThrottleRateLimit: "500", apiThrottleBurstLimit: "1000" },
    "payments-dr:wafRateLimit = 30000: blocks a client IP after 30000 requests in 300 s, but the stage takes 500 a second (150000 in 300 s): a merchant behind one NAT address would be blocked at the stage's own rate; set it to at least 150000",
  ],
  [
    "a payments queue that keeps messages as long as its dead-letter queue",
    { ...DEV, queueRetentionDays: "14" },
    "payments-dr:queueRetentionDays = 14: must be between 1 and 13 days (SQS keeps messages at most 14 days, and the dead-letter queue must keep them longer)",
  ],
  [
    "a high-value threshold in a currency that is not accepted",
    { ...DEV, highValueAmounts: '["EUR:500000","JPY:100000"]' },
    'payments-dr:highValueAmounts = ["EUR:500000","JPY:100000"]: names JPY, which paymentLimits does not accept (EUR, USD)',
  ],
  [
    "a high-value threshold EventBridge cannot compare",
    { ...DEV, highValueAmounts: '["EUR:5000000001"]' },
    'payments-dr:highValueAmounts = ["EUR:5000000001"]: EUR:5000000001 is over 5000000000, the largest number an EventBridge rule compares',
  ],
  [
    "a token prefix without its underscore",
    { ...DEV, paymentTokenPrefix: "tok" },
    'payments-dr:paymentTokenPrefix = "tok": must be 2-16 lowercase letters or digits followed by "_" (such as tok_)',
  ],
  [
    "an authorizer cache beyond API Gateway's hour",
    { ...DEV, authorizerCacheSeconds: "3601" },
    "payments-dr:authorizerCacheSeconds = 3601: must be between 0 and 3600 seconds",
  ],
  [
    "a hosted zone id that is not one",
    { ...DEV, hostedZoneId: "payments.acmepay.io" },
    'payments-dr:hostedZoneId = "payments.acmepay.io": is not a Route 53 hosted zone id (Z followed by letters and digits)',
  ],
  [
    "an API timeout beyond API Gateway's",
    { ...DEV, apiTimeoutSeconds: "30" },
    "payments-dr:apiTimeoutSeconds = 30: must be between 1 and 29 seconds",
  ],
  [
    "a burst smaller than the rate",
    { ...DEV, apiThrottleRateLimit: "500", apiThrottleBurstLimit: "100" },
    "payments-dr:apiThrottleBurstLimit = 100: must be at least apiThrottleRateLimit (500): a burst smaller than one second of the rate throttles steady traffic",
  ],
  [
    "a WAF rate limit below WAF's minimum",
    { ...DEV, wafRateLimit: "5" },
    "payments-dr:wafRateLimit = 5: must be between 10 and 2000000000 requests per 5 minutes",
  ],
  [
    "a sweeper that would re-queue payments still being settled",
    { ...DEV, sweeperMinAgeSeconds: "60" },
    "payments-dr:sweeperMinAgeSeconds = 60: must be between 300 and 86400 seconds",
  ],
  [
    "a processor that could not take two batches from each of its two queues at once",
    { ...DEV, processorReservedConcurrency: "1" },
    "payments-dr:processorReservedConcurrency = 1: must be between 4 and 900 concurrent executions",
  ],
  [
    "batches over 10 messages without a batch window",
    { ...DEV, processorBatchSize: "50" },
    "payments-dr:processorBatchSize = 50: is over 10, which SQS event sources allow only with processorBatchWindowSeconds of at least 1",
  ],
  [
    "a health-check interval Route 53 does not offer",
    { ...DEV, healthCheckIntervalSeconds: "15" },
    "payments-dr:healthCheckIntervalSeconds = 15: must be 10 (fast) or 30: the only intervals Route 53 health checks offer",
  ],
  [
    "a failure threshold over 10",
    { ...DEV, healthCheckFailureThreshold: "11" },
    "payments-dr:healthCheckFailureThreshold = 11: must be between 1 and 10 consecutive failed checks",
  ],
  [
    "two health-checker regions",
    { ...DEV, healthCheckRegions: '["us-east-1","us-west-2"]' },
    'payments-dr:healthCheckRegions = ["us-east-1","us-west-2"]: must list at least 3 regions (Route 53\'s minimum)',
  ],
  [
    "a health-checker region Route 53 has no checkers in",
    { ...DEV, healthCheckRegions: '["us-east-1","us-west-2","eu-central-1"]' },
    'payments-dr:healthCheckRegions = ["us-east-1","us-west-2","eu-central-1"]: must list Route 53 health-checker regions: us-east-1, us-west-1, us-west-2, eu-west-1, ap-southeast-1, ap-southeast-2, ap-northeast-1, sa-east-1',
  ],
  [
    "an alarm that never looks at a period",
    { ...DEV, alarmEvaluationPeriods: "0" },
    "payments-dr:alarmEvaluationPeriods = 0: must be between 1 and 60 one-minute periods",
  ],
  [
    "an S3 replication alarm under a minute",
    { ...DEV, alarmS3ReplicationLatencySeconds: "30" },
    "payments-dr:alarmS3ReplicationLatencySeconds = 30: must be between 60 and 86400 seconds",
  ],
  [
    "a retention SQS does not offer",
    { ...DEV, queueRetentionDays: "15" },
    "payments-dr:queueRetentionDays = 15: must be between 1 and 13 days (SQS keeps messages at most 14 days, and the dead-letter queue must keep them longer)",
  ],
  [
    "a prod stack without allowedAccountIds",
    { ...PROD, allowedAccountIds: "[]" },
    "payments-dr:allowedAccountIds = []: must list the AWS account ids a production stack may deploy to",
    "prod",
  ],
  [
    "a prod stack with unprotected data",
    { ...PROD, protectData: "false" },
    "payments-dr:protectData = false: must be true in a production stack: its data stores are protected",
    "prod",
  ],
  [
    "a prod stack in two availability zones",
    { ...PROD, availabilityZoneCount: "2" },
    "payments-dr:availabilityZoneCount = 2: must be at least 3 in a production stack",
    "prod",
  ],
];

describe("stack configuration", () => {
  describe("rejects each bad value with a message naming key, value and what is allowed", () => {
    for (const [what, raw, expected, stack] of CASES) {
      it(what, () => {
        assert.deepEqual(problemsOf(raw, stack), [expected]);
      });
    }
  });

  it("carves up to six zones without NAT gateways, and four with them", () => {
    const carved = (zones: number, nat: string) => {
      try {
        parseStackConfig(
          { ...DEV, availabilityZoneCount: String(zones), natGateways: nat },
          { project, stack: "dev" },
        );
        return true;
      } catch (error) {
        assert.ok(ConfigError.isConfigError(error));
        return false;
      }
    };
    assert.deepEqual(
      [2, 3, 4, 5, 6].map((zones) => [carved(zones, "none"), carved(zones, "onePerAz")]),
      [
        [true, true],
        [true, true],
        [true, true],
        [true, false],
        [true, false],
      ],
    );
  });

  it("refuses a key the project does not declare, naming the nearest one", () => {
    assert.deepEqual(
      problemsOf({
        ...DEV,
        automaticWriteFailovr: "true",
        arcRoutingControl: "true",
        colour: "blue",
      }),
      [
        "payments-dr:arcRoutingControl is not a configuration key of this project; did you mean arcRoutingControls? (Pulumi.yaml lists them)",
        "payments-dr:automaticWriteFailovr is not a configuration key of this project; did you mean automaticWriteFailover? (Pulumi.yaml lists them)",
        "payments-dr:colour is not a configuration key of this project (Pulumi.yaml lists them)",
      ],
    );
  });

  it("reports every problem at once", () => {
    const problems = problemsOf({ ...DEV, primaryRegion: "mars-1", dnsZoneName: "example.com" });
    assert.equal(problems.length, 2);
    assert.match(problems[0], /^payments-dr:primaryRegion = "mars-1"/);
    assert.match(problems[1], /^payments-dr:dnsZoneName = "example.com"/);
  });

  it("returns a typed, deeply frozen object with the required tags", () => {
    const config = parseStackConfig(PROD, { project, stack: "prod" });
    assert.deepEqual(config.tags, {
      Environment: "prod",
      Application: "payments-dr",
      Owner: "payments-platform",
      CostCenter: "cc-4021",
      DataClassification: "restricted",
    });
    assert.deepEqual(config.regions, { primary: "us-east-1", secondary: "us-west-2" });
    assert.deepEqual(config.allowedAccountIds, ["418295077265"]);
    assert.equal(config.backupRetentionDays, 7);
    assert.equal(config.alertEmail, undefined);
    assert.ok(
      Object.isFrozen(config) && Object.isFrozen(config.tags) && Object.isFrozen(config.regions),
    );
    assert.throws(() => {
      (config.regions as { primary: string }).primary = "eu-west-1";
    }, TypeError);
  });

  describe("the schema declares each key once", () => {
    it("with its Pulumi type read off its validation", () => {
      assert.equal(CONFIG_KEYS.primaryRegion, "string");
      assert.equal(CONFIG_KEYS.natGateways, "string");
      assert.equal(CONFIG_KEYS.production, "boolean");
      assert.equal(CONFIG_KEYS.availabilityZoneCount, "integer");
      assert.equal(CONFIG_KEYS.logRetentionDays, "integer");
      assert.equal(CONFIG_KEYS.healthCheckIntervalSeconds, "integer");
      assert.equal(CONFIG_KEYS.healthCheckRegions, "array");
      assert.deepEqual(CONFIG_DECLARATIONS.paymentLimits.items, { type: "string" });
      assert.deepEqual(Object.keys(CONFIG_KEYS), Object.keys(CONFIG_DECLARATIONS));
    });

    it("optional where the empty string means unset", () => {
      const optional = Object.entries(CONFIG_DECLARATIONS)
        .filter(([, d]) => d.default === "")
        .map(([k]) => k);
      assert.deepEqual(optional, [
        "environment",
        "alertEmail",
        "dynamodbWitnessRegion",
        "mutualTlsTruststore",
        "hostedZoneId",
      ]);
      const unset = { ...DEV, alertEmail: "", hostedZoneId: "", dynamodbWitnessRegion: "" };
      const config = parseStackConfig(unset, { project, stack: "dev" });
      assert.equal(config.alertEmail, undefined);
      assert.equal(config.hostedZoneId, undefined);
      assert.equal(config.dynamodb.witnessRegion, undefined);
    });

    it("with defaults that pass its own validation", () => {
      const defaults = Object.fromEntries(
        Object.entries(CONFIG_DECLARATIONS)
          .filter(([, d]) => d.default !== undefined)
          .map(([k, d]) => [
            k,
            typeof d.default === "object" ? JSON.stringify(d.default) : String(d.default),
          ]),
      );
      const config = parseStackConfig(
        {
          ...defaults,
          namePrefix: "acmepay",
          dnsZoneName: "payments.acmepay.io",
          owner: "payments-platform",
          costCenter: "cc-4021",
        },
        { project, stack: "dev" },
      );
      assert.equal(config.environment, "dev");
      assert.deepEqual(config.healthChecks.regions, ["us-east-1", "us-west-2", "eu-west-1"]);
    });
  });

  describe("Pulumi.yaml declares exactly the keys the program reads", () => {
    const declared = readProject(PROJECT_ROOT).config;

    it("as the schema declares them: type, items, default and description (npm run generate:pulumi-config)", () => {
      assert.deepEqual(configDifferences(declared), []);
    });

    it("each with a description", () => {
      const undescribed = Object.entries(declared).filter(([, d]) => !d.description);
      assert.deepEqual(undescribed, []);
    });

    it("each documented in docs/configuration.md", () => {
      const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs/configuration.md"), "utf8");
      const undocumented = Object.keys(declared).filter(
        (k) => !new RegExp(`^\\| \`${k}\` +\\|`, "m").test(doc),
      );
      assert.deepEqual(undocumented, []);
    });

    it("with defaults for all but the values only the team can know", () => {
      const required = Object.entries(declared)
        .filter(([, d]) => d.default === undefined)
        .map(([k]) => k);
      assert.deepEqual(required, ["namePrefix", "dnsZoneName", "owner", "costCenter"]);
    });
  });

  describe("the stack files", () => {
    const load = (stack: string) => {
      const settings = readStackSettings(PROJECT_ROOT, readProject(PROJECT_ROOT), stack);
      const raw = Object.fromEntries(
        Object.entries(settings.config).map(([k, v]) => [k.replace(`${project}:`, ""), v]),
      );
      return { settings, config: parseStackConfig(raw, { project, stack }) };
    };

    it("dev is small and destroyable", () => {
      const { config } = load("dev");
      assert.equal(config.production, false);
      assert.equal(config.protectData, false);
      assert.equal(config.availabilityZoneCount, 2);
      assert.deepEqual(config.regions, { primary: "us-east-1", secondary: "us-west-2" });
    });

    it("prod is protected, full size and locked to its account", () => {
      const { config } = load("prod");
      assert.equal(config.production, true);
      assert.equal(config.protectData, true);
      assert.equal(config.availabilityZoneCount, 3);
      assert.equal(config.backupRetentionDays, 35);
      assert.deepEqual(config.allowedAccountIds, ["418295077265"]);
      assert.notEqual(config.dnsZoneName, load("dev").config.dnsZoneName);
    });

    it("both disable the default AWS provider", () => {
      for (const stack of ["dev", "prod"]) {
        assert.deepEqual(load(stack).settings.disabledDefaultProviders, ["aws"], stack);
      }
    });
  });
});
