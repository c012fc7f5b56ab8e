/**
 * AWS on-demand prices the plan's cost estimate uses (npm run plan prints it; model/cost.ts applies them).
 * Prices as published on the AWS pricing pages cited beside each item, read on PRICES_AS_OF.
 *
 * All figures are USD, public on-demand, Linux/standard tier, excluding tax. Free tiers are ignored
 * (the estimate prices every unit) unless an item's note says otherwise.
 *
 * `verified: true` means the figure itself was read in AWS-published text (an aws.amazon.com pricing
 * page or an AWS documentation page) in the stored copies available when this table was written.
 * Most AWS pricing pages render their rate tables from client-side price tokens, so the stored text
 * often lacks the numbers; those items carry the widely published rate with `verified: false`, and
 * the note says what was searched and where the figure was seen instead. Re-check them against the
 * live page before relying on the estimate for a budget.
 *
 * Every item has the same rate in us-east-1 and us-west-2 (US East (N. Virginia) and US West
 * (Oregon) share list prices for all of these services); the us-west-2 notes say so.
 */
export const PRICES_AS_OF = "2026-11-30";

export interface Price {
  readonly usd: number; // price per unit
  readonly unit: string; // e.g. "per hour", "per GB-month", "per million requests"
  readonly source: string; // the AWS pricing page URL
  readonly verified: boolean; // true when the figure was found in the stored page text
  readonly note?: string;
}

export type PriceItem =
  | "natGatewayHour"
  | "route53HealthCheckStringMatchOptionMonth"
  | "xrayTracePerMillion"
  | "publicIpv4AddressHour"
  | "rdsDataApiRequestPerMillion"
  | "route53HealthCheckFastIntervalOptionMonth"
  | "s3RtcDataGb"
  | "interfaceEndpointHour"
  | "auroraServerlessV2AcuHour"
  | "auroraInstanceHour_db_r6g_large"
  | "auroraInstanceHour_db_r6g_xlarge"
  | "auroraInstanceHour_db_r7g_large"
  | "auroraInstanceHour_db_r7g_xlarge"
  | "auroraStorageGbMonth"
  | "auroraIoPerMillion"
  | "auroraGlobalReplicatedWriteIoPerMillion"
  | "dynamodbWriteRequestPerMillion"
  | "dynamodbReadRequestPerMillion"
  | "dynamodbReplicatedWritePerMillion"
  | "dynamodbStorageGbMonth"
  | "dynamodbPitrGbMonth"
  | "lambdaArmGbSecond"
  | "lambdaX86GbSecond"
  | "lambdaRequestPerMillion"
  | "apiGatewayRestRequestPerMillion"
  | "wafWebAclMonth"
  | "wafRuleMonth"
  | "wafRequestPerMillion"
  | "route53HostedZoneMonth"
  | "route53HealthCheckAwsEndpointMonth"
  | "route53HealthCheckHttpsOptionMonth"
  | "route53HealthCheckLatencyOptionMonth"
  | "arcClusterHour"
  | "kmsKeyMonth"
  | "secretsManagerSecretMonth"
  | "cloudwatchAlarmStandardMonth"
  | "cloudwatchCompositeAlarmMonth"
  | "cloudwatchDashboardMonth"
  | "cloudwatchLogsIngestGb"
  | "stepFunctionsStandardPer1000Transitions"
  | "sqsStandardRequestPerMillion"
  | "s3StandardGbMonth"
  | "s3PutPer1000"
  | "eventBridgeCustomEventPerMillion"
  | "schedulerInvocationPerMillion"
  | "interRegionDataTransferGb";

const VPC = "https://aws.amazon.com/vpc/pricing/";
const PRIVATELINK = "https://aws.amazon.com/privatelink/pricing/";
const AURORA = "https://aws.amazon.com/rds/aurora/pricing/";
const DYNAMODB = "https://aws.amazon.com/dynamodb/pricing/on-demand/";
const LAMBDA = "https://aws.amazon.com/lambda/pricing/";
const LAMBDA_WP =
  "https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html";
const APIGW = "https://aws.amazon.com/api-gateway/pricing/";
const WAF = "https://aws.amazon.com/waf/pricing/";
const R53 = "https://aws.amazon.com/route53/pricing/";
const XRAY = "https://aws.amazon.com/xray/pricing/";
const ARC = "https://aws.amazon.com/application-recovery-controller/pricing/";
const KMS = "https://aws.amazon.com/kms/pricing/";
const SECRETS = "https://aws.amazon.com/secrets-manager/pricing/";
const CW = "https://aws.amazon.com/cloudwatch/pricing/";
const SFN = "https://aws.amazon.com/step-functions/pricing/";
const SQS = "https://aws.amazon.com/sqs/pricing/";
const S3 = "https://aws.amazon.com/s3/pricing/";
const EVENTBRIDGE = "https://aws.amazon.com/eventbridge/pricing/";
const EC2 = "https://aws.amazon.com/ec2/pricing/on-demand/";

/** [usd, unit, source, verified] — the us-east-1 rate; us-west-2 is identical (see header). */
type Row = readonly [usd: number, unit: string, source: string, verified: boolean];

const ROWS: Readonly<Record<PriceItem, Row>> = {
  natGatewayHour: [0.045, "per NAT gateway-hour", VPC, false],
  route53HealthCheckStringMatchOptionMonth: [1, "per health check per month", R53, false],
  xrayTracePerMillion: [5, "per million traces recorded", XRAY, false],
  publicIpv4AddressHour: [0.005, "per public IPv4 address-hour", VPC, false],
  rdsDataApiRequestPerMillion: [0.35, "per million Data API requests", AURORA, false],
  route53HealthCheckFastIntervalOptionMonth: [1, "per health check per month", R53, false],
  s3RtcDataGb: [0.015, "per GB replicated with RTC", S3, false],
  interfaceEndpointHour: [0.01, "per endpoint per AZ per hour", PRIVATELINK, false],
  auroraServerlessV2AcuHour: [0.12, "per ACU-hour", AURORA, false],
  auroraInstanceHour_db_r6g_large: [0.26, "per instance-hour", AURORA, false],
  auroraInstanceHour_db_r6g_xlarge: [0.519, "per instance-hour", AURORA, false],
  auroraInstanceHour_db_r7g_large: [0.276, "per instance-hour", AURORA, false],
  auroraInstanceHour_db_r7g_xlarge: [0.553, "per instance-hour", AURORA, false],
  auroraStorageGbMonth: [0.1, "per GB-month", AURORA, false],
  auroraIoPerMillion: [0.2, "per million I/O requests", AURORA, false],
  auroraGlobalReplicatedWriteIoPerMillion: [
    0.2,
    "per million replicated write I/Os",
    AURORA,
    false,
  ],
  dynamodbWriteRequestPerMillion: [0.625, "per million write request units", DYNAMODB, false],
  dynamodbReadRequestPerMillion: [0.125, "per million read request units", DYNAMODB, false],
  dynamodbReplicatedWritePerMillion: [0.625, "per million replicated WRUs", DYNAMODB, false],
  dynamodbStorageGbMonth: [0.25, "per GB-month", DYNAMODB, false],
  dynamodbPitrGbMonth: [0.2, "per GB-month", DYNAMODB, false],
  lambdaArmGbSecond: [0.0000133334, "per GB-second", LAMBDA, false],
  lambdaX86GbSecond: [0.0000166667, "per GB-second", LAMBDA, false],
  lambdaRequestPerMillion: [0.2, "per million requests", LAMBDA_WP, true],
  apiGatewayRestRequestPerMillion: [3.5, "per million requests", APIGW, false],
  wafWebAclMonth: [5, "per web ACL per month", WAF, false],
  wafRuleMonth: [1, "per rule per web ACL per month", WAF, false],
  wafRequestPerMillion: [0.6, "per million requests", WAF, false],
  route53HostedZoneMonth: [0.5, "per hosted zone per month", R53, false],
  route53HealthCheckAwsEndpointMonth: [0.5, "per health check per month", R53, false],
  route53HealthCheckHttpsOptionMonth: [1, "per health check per month", R53, false],
  route53HealthCheckLatencyOptionMonth: [1, "per health check per month", R53, false],
  arcClusterHour: [2.5, "per cluster-hour", ARC, false],
  kmsKeyMonth: [1, "per key per month", KMS, true],
  secretsManagerSecretMonth: [0.4, "per secret per month", SECRETS, false],
  cloudwatchAlarmStandardMonth: [0.1, "per alarm metric per month", CW, false],
  cloudwatchCompositeAlarmMonth: [0.5, "per composite alarm per month", CW, false],
  cloudwatchDashboardMonth: [3, "per dashboard per month", CW, false],
  cloudwatchLogsIngestGb: [0.5, "per GB ingested", CW, false],
  stepFunctionsStandardPer1000Transitions: [0.025, "per 1,000 state transitions", SFN, true],
  sqsStandardRequestPerMillion: [0.4, "per million requests", SQS, false],
  s3StandardGbMonth: [0.023, "per GB-month", S3, false],
  s3PutPer1000: [0.005, "per 1,000 requests", S3, false],
  eventBridgeCustomEventPerMillion: [1, "per million events", EVENTBRIDGE, false],
  schedulerInvocationPerMillion: [1, "per million invocations", EVENTBRIDGE, false],
  interRegionDataTransferGb: [0.02, "per GB", EC2, false],
};

const SECONDARY = "AWS page's rate table is not in the stored text (dynamic); rate from";
const NOT_SEARCHED = "Not found in stored AWS text (not searched in depth); widely published rate.";
const TOOLKIT = "AWS's aws/agent-toolkit-for-aws static us-east-1 price table";

const NOTES: Readonly<Record<PriceItem, string>> = {
  route53HealthCheckStringMatchOptionMonth: `Optional feature (string matching), per health check per month: $1.00 for AWS endpoints, $2.00 for others. Secondary sources only.`,
  xrayTracePerMillion: `Traces recorded, after the free 100,000 a month (ignored); retrieval and scanning are billed apart. ${NOT_SEARCHED}`,
  publicIpv4AddressHour: `Every public IPv4 address, in use or not, since February 2024 (a NAT gateway holds one). Rate from secondary sources; the VPC pricing page's table is dynamic.`,
  rdsDataApiRequestPerMillion: `RDS Data API with Aurora PostgreSQL (Serverless v2 and provisioned), first billion requests; each 32 KB of request and response counts as one request. ${NOT_SEARCHED}`,
  route53HealthCheckFastIntervalOptionMonth: `Optional feature (10-second interval), per health check per month: $1.00 for AWS endpoints, $2.00 for others. Secondary sources only.`,
  s3RtcDataGb: `S3 Replication Time Control data transfer, on top of the inter-Region transfer. ${NOT_SEARCHED}`,
  natGatewayHour: `Per NAT gateway (one per AZ). VPC pricing page not in the stored corpus; '$0.045 per hour' is its US East example as transcribed by api-evangelist (2026-09-20), matching many blogs.`,
  interfaceEndpointHour: `Per AZ: an endpoint in 2 AZs is billed twice. AWS page: 'billed for each hour that your VPC endpoint remains provisioned in each Availability Zone'; the $0.01 figure is from secondary sources.`,
  auroraServerlessV2AcuHour: `Aurora PostgreSQL, Aurora Standard, billed per second. ${SECONDARY} ${TOOLKIT} ('0.12 # $/ACU-Hr') and blogs.`,
  auroraInstanceHour_db_r6g_large: `Aurora Standard, on-demand. ${SECONDARY} ${TOOLKIT} (Aurora MySQL and PostgreSQL share rates).`,
  auroraInstanceHour_db_r6g_xlarge: `Aurora Standard, on-demand. ${SECONDARY} ${TOOLKIT}.`,
  auroraInstanceHour_db_r7g_large: `Aurora Standard, on-demand. ${SECONDARY} ${TOOLKIT}.`,
  auroraInstanceHour_db_r7g_xlarge: `Aurora Standard, on-demand. ${SECONDARY} ${TOOLKIT}.`,
  auroraStorageGbMonth: `Aurora Standard (I/O-Optimized is $0.225). ${SECONDARY} ${TOOLKIT}.`,
  auroraIoPerMillion: `Aurora Standard only (I/O-Optimized has no I/O charge). ${SECONDARY} ${TOOLKIT}.`,
  auroraGlobalReplicatedWriteIoPerMillion: `Billed for each secondary Region a write is replicated to. Searched the Aurora pricing page and Global Database docs: no figure in stored text; widely published rate.`,
  dynamodbWriteRequestPerMillion: `On-demand WRU, Standard table class, after the Nov 2024 50% cut. ${SECONDARY} secondary sources (airbyte, jusdb).`,
  dynamodbReadRequestPerMillion: `On-demand RRU (4 KB strongly consistent read; eventually consistent is half). ${SECONDARY} secondary sources.`,
  dynamodbReplicatedWritePerMillion: `Global tables: charged in every replica Region per replicated write; since Nov 2024 equal to the WRU rate (secondary sources; AWS text not found).`,
  dynamodbStorageGbMonth: `Standard table class; 25 GB free tier ignored. ${SECONDARY} secondary sources.`,
  dynamodbPitrGbMonth: `Continuous backups (PITR), per GB-month of table data. ${SECONDARY} secondary sources.`,
  lambdaArmGbSecond: `First tier (7.5 billion GB-s/month). AWS Graviton2 launch post says Arm duration is '20 percent lower' than x86; exact figure from secondary sources (page table dynamic).`,
  lambdaX86GbSecond: `First tier (6 billion GB-s/month). AWS whitepaper 'How AWS Pricing Works' gives it rounded ('$0.00001667 for every GB-second'); exact figure from secondary sources.`,
  lambdaRequestPerMillion: `Same for x86 and Arm; free tier ignored. AWS whitepaper: '$0.20 per 1 million requests thereafter'.`,
  apiGatewayRestRequestPerMillion: `REST API, first 333 million requests/month. ${NOT_SEARCHED}`,
  wafWebAclMonth: `Per web ACL per month, prorated hourly. ${NOT_SEARCHED}`,
  wafRuleMonth: `Per rule or managed rule group added to a web ACL, per month. ${NOT_SEARCHED}`,
  wafRequestPerMillion: `Per million web requests a web ACL inspects (default capacity). ${NOT_SEARCHED}`,
  route53HostedZoneMonth: `First 25 zones ($0.10 after). Route 53 pricing page not in the stored corpus; rate from secondary sources.`,
  route53HealthCheckAwsEndpointMonth: `Basic check of an AWS endpoint (non-AWS $0.75). AWS docs confirm non-AWS endpoints cost more but give no figure; rates from secondary sources.`,
  route53HealthCheckHttpsOptionMonth: `Optional feature, priced per feature per health check per month: $1.00 for AWS endpoints, $2.00 for non-AWS. Secondary sources only.`,
  route53HealthCheckLatencyOptionMonth: `Same per-feature price as HTTPS: $1.00 (AWS endpoint) or $2.00 (non-AWS) per health check per month. Secondary sources only.`,
  arcClusterHour: `Routing-control cluster, billed whether used or not (AWS docs: 'charged by the hour for each cluster that you create'); $2.50 not in stored AWS text, from third-party notes.`,
  kmsKeyMonth: `Prorated hourly. AWS page: 'The $1/month charge is the same for ... each multi-Region key (each primary and each replica multi-region key)': replica keys are billed as separate keys.`,
  secretsManagerSecretMonth: `Replica secrets are billed as distinct secrets, one charge per Region. Quoted from the AWS page in api-evangelist's transcription; AWS docs only link to the page.`,
  cloudwatchAlarmStandardMonth: `Standard-resolution metric alarm, per alarm metric; free tier ignored. ${SECONDARY} secondary sources.`,
  cloudwatchCompositeAlarmMonth: `${SECONDARY} secondary sources.`,
  cloudwatchDashboardMonth: `Custom dashboard; 3 free ignored. ${SECONDARY} secondary sources.`,
  cloudwatchLogsIngestGb: `Standard log class, first tier. ${SECONDARY} secondary sources.`,
  stepFunctionsStandardPer1000Transitions: `Standard workflows; free tier ignored. AWS page: "$0.025 per 1,000 state transitions", US East (N. Virginia) and US West (Oregon) $0.0250.`,
  sqsStandardRequestPerMillion: `First 100 billion/month; each 64 KB chunk is a request. Secondary sources only.`,
  s3StandardGbMonth: `First 50 TB/month. ${NOT_SEARCHED}`,
  s3PutPer1000: `PUT, COPY, POST, LIST on S3 Standard. ${NOT_SEARCHED}`,
  eventBridgeCustomEventPerMillion: `AWS page text confirms 'Each 64 KB chunk of a payload is billed as one event'; the rate table is dynamic, figure from secondary sources.`,
  schedulerInvocationPerMillion: `EventBridge Scheduler, after 14 million free invocations/month (free tier ignored). ${NOT_SEARCHED}`,
  interRegionDataTransferGb: `Data transfer out to another Region (us-east-1 <-> us-west-2), billed by the sending Region. Secondary sources (usage.ai) only.`,
};

/** Route 53 and ARC are global services: one price, to be counted once, not per Region. */
const GLOBAL_ITEMS: ReadonlySet<PriceItem> = new Set<PriceItem>([
  "route53HostedZoneMonth",
  "route53HealthCheckAwsEndpointMonth",
  "route53HealthCheckHttpsOptionMonth",
  "route53HealthCheckLatencyOptionMonth",
  "route53HealthCheckFastIntervalOptionMonth",
  "route53HealthCheckStringMatchOptionMonth",
  "arcClusterHour",
]);

function pricesFor(region: "us-east-1" | "us-west-2"): Readonly<Record<PriceItem, Price>> {
  const out = {} as Record<PriceItem, Price>;
  for (const item of Object.keys(ROWS) as PriceItem[]) {
    const [usd, unit, source, verified] = ROWS[item];
    let note = NOTES[item];
    if (GLOBAL_ITEMS.has(item)) {
      note += " Global service: count once, not per Region.";
    } else if (region === "us-west-2") {
      note += " us-west-2: same published rate as us-east-1; not read separately for Oregon.";
    }
    out[item] = Object.freeze({ usd, unit, source, verified, note });
  }
  return Object.freeze(out);
}

export const PRICES: Readonly<
  Record<"us-east-1" | "us-west-2", Readonly<Record<PriceItem, Price>>>
> = Object.freeze({
  "us-east-1": pricesFor("us-east-1"),
  "us-west-2": pricesFor("us-west-2"),
});
