/**
 * The compute tier of one region, the front door merchants call:
 * - a REST API (regional endpoint; REST rather than HTTP API because only REST APIs take a WAF
 *   web ACL and per-stage throttling of every method) defined in OpenAPI (./payment-api), with
 *   JSON access logs to an encrypted log group, throttling from config and, in production, a WAF
 *   web ACL (AWS managed rule groups and a rate-based rule);
 * - two custom domains on one ACM certificate: `api.<zone>` (the name failover records send to
 *   the healthy region) and `<region>.api.<zone>` (this region directly: health checks, drills);
 * - the payments queue and its dead-letter queue (alarmed), both encrypted with the region's key;
 * - the handlers, in the VPC's private subnets: payments-api (accepts payments), payments-processor
 *   (starts the payment workflow from the queue, partial batch responses) and health.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { healthHandler } from "../handlers/health.lambda";
import { paymentsApiHandler } from "../handlers/payments-api.lambda";
import { paymentsProcessorHandler } from "../handlers/payments-processor.lambda";
import { HEALTH_RESERVED_CONCURRENCY, type StackConfig } from "../model/config";
import type { DataTier } from "./data";
import { apiDomainName, regionalApiDomainName } from "../model/dns";
import type { HostedZone } from "./hosted-zone";
import { serviceRole } from "./building-blocks/iam";
import { handlerFunction } from "./building-blocks/lambda";
import type { Namer } from "../model/naming";
import type { Network } from "./network";
import type { OrchestrationTier } from "./orchestration";
import { ACCESS_LOG_FORMAT, paymentApiDefinition } from "../definitions/payment-api";
import type { AwsRegion } from "../model/regions";

export const API_STAGE = "v1";
/** Lambda's advice for SQS event sources: visibility at least six times the function's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** The longest SQS keeps a message; dead letters keep their original enqueue time, so the DLQ
 * must keep them longer than the source queue does. */
const MAX_RETENTION_SECONDS = 14 * 86_400;

export interface ComputeTierArgs {
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly data: DataTier;
  readonly network: Network;
  readonly orchestration: OrchestrationTier;
  readonly zone: HostedZone;
  readonly logRetentionDays: number;
  /** Production puts a WAF web ACL in front of the API. */
  readonly production: boolean;
  /** Largest payment per accepted currency, minor units (the accepted set is its keys). */
  readonly maxAmountMinor: Readonly<Record<string, number>>;
  readonly api: StackConfig["api"];
  readonly processor: StackConfig["processor"];
  readonly queue: StackConfig["queue"];
  /**
   * The primary region's tier. ACM's validation record of a name is the same in every region, so
   * the primary creates it and the secondary's certificate validates through it.
   */
  readonly primary?: ComputeTier;
}

export class ComputeTier extends pulumi.ComponentResource {
  readonly restApiId: pulumi.Output<string>;
  readonly restApiName: pulumi.Output<string>;
  readonly stageArn: pulumi.Output<string>;
  /** Target of the `api.<zone>` failover alias record for this region. */
  readonly apiDomainTarget: {
    readonly name: pulumi.Output<string>;
    readonly zoneId: pulumi.Output<string>;
  };
  /** `https://<region>.api.<zone>`: this region's API, bypassing failover. */
  readonly regionalUrl: string;
  readonly regionalDomainName: string;
  readonly queueUrl: pulumi.Output<string>;
  readonly deadLetterQueueName: pulumi.Output<string>;
  readonly functionNames: {
    readonly api: pulumi.Output<string>;
    readonly processor: pulumi.Output<string>;
    readonly health: pulumi.Output<string>;
  };
  readonly certificateValidationRecordFqdn: pulumi.Output<string>;

  constructor(name: string, args: ComputeTierArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:ComputeTier", name, {}, opts);
    const { namer, region, data, network, orchestration, zone } = args;
    const parent = { parent: this };
    const vpc = {
      subnetIds: network.privateSubnetIds,
      securityGroupId: network.lambdaSecurityGroupId,
    };

    // --- The queue between accepting a payment and processing it ---
    const deadLetters = new aws.sqs.Queue(
      `${name}-payments-dlq`,
      {
        name: namer.regional("sqsQueue", "payments-dlq", region),
        kmsMasterKeyId: data.keyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        messageRetentionSeconds: MAX_RETENTION_SECONDS,
      },
      parent,
    );
    const visibilityTimeoutSeconds =
      VISIBILITY_TIMEOUT_FACTOR * args.processor.timeoutSeconds + args.processor.batchWindowSeconds;
    const queue = new aws.sqs.Queue(
      `${name}-payments-queue`,
      {
        name: namer.regional("sqsQueue", "payments", region),
        kmsMasterKeyId: data.keyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        visibilityTimeoutSeconds,
        messageRetentionSeconds: args.queue.retentionDays * 86_400,
        redrivePolicy: pulumi.jsonStringify({
          deadLetterTargetArn: deadLetters.arn,
          maxReceiveCount: args.queue.maxReceiveCount,
        }),
      },
      parent,
    );
    new aws.sqs.RedriveAllowPolicy(
      `${name}-payments-dlq`,
      {
        queueUrl: deadLetters.url,
        redriveAllowPolicy: pulumi.jsonStringify({
          redrivePermission: "byQueue",
          sourceQueueArns: [queue.arn],
        }),
      },
      parent,
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-payments-dlq`,
      {
        name: namer.regional("cloudwatchAlarm", "payments-dlq-not-empty", region),
        alarmDescription:
          "Payments reached the dead-letter queue: they were accepted but their workflow never started. Inspect, fix, then redrive to the payments queue.",
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: deadLetters.name },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        // SQS stops publishing for a queue idle for 6 hours: an empty, quiet DLQ is healthy.
        treatMissingData: "notBreaching",
        alarmActions: [orchestration.alarmsTopicArn],
        okActions: [orchestration.alarmsTopicArn],
      },
      parent,
    );

    // --- Handlers ---
    const common = {
      region,
      namer,
      keyArn: data.keyArn,
      logRetentionDays: args.logRetentionDays,
      vpc,
    };
    const apiFunction = handlerFunction(
      `${name}-payments-api`,
      {
        ...common,
        base: "payments-api",
        description: "POST /payments and GET /payments/{paymentId}",
        callback: paymentsApiHandler,
        statements: [
          {
            sid: "WriteAndReadPayments",
            actions: ["dynamodb:PutItem", "dynamodb:GetItem"],
            resources: [data.tableArn],
          },
          { sid: "QueuePayments", actions: ["sqs:SendMessage"], resources: [queue.arn] },
          {
            sid: "EncryptQueuedPayments",
            actions: ["kms:GenerateDataKey", "kms:Decrypt"],
            resources: [data.keyArn],
          },
          {
            sid: "ReadTheActiveRegion",
            actions: ["ssm:GetParameter"],
            resources: [data.activeRegionParameterArn],
          },
        ],
        environment: {
          PAYMENTS_TABLE: data.tableName,
          PAYMENTS_QUEUE_URL: queue.url,
          ACTIVE_REGION_PARAMETER: data.activeRegionParameter,
          PAYMENT_LIMITS: JSON.stringify(args.maxAmountMinor),
        },
        timeoutSeconds: args.api.timeoutSeconds,
        memoryMb: 512,
        reservedConcurrency: args.api.reservedConcurrency,
      },
      this,
    );
    const processorFunction = handlerFunction(
      `${name}-payments-processor`,
      {
        ...common,
        base: "payments-processor",
        description: "Starts the payment workflow for each queued payment",
        callback: paymentsProcessorHandler,
        packages: ["@aws-lambda-powertools/batch"],
        statements: [
          {
            sid: "ConsumeThePaymentsQueue",
            actions: [
              "sqs:ReceiveMessage",
              "sqs:DeleteMessage",
              "sqs:ChangeMessageVisibility",
              "sqs:GetQueueAttributes",
            ],
            resources: [queue.arn],
          },
          {
            sid: "DecryptQueuedPayments",
            actions: ["kms:Decrypt"],
            resources: [data.keyArn],
          },
          {
            sid: "StartPaymentWorkflows",
            actions: ["states:StartExecution"],
            resources: [orchestration.stateMachineArn],
          },
        ],
        environment: { PAYMENT_WORKFLOW_ARN: orchestration.stateMachineArn },
        timeoutSeconds: args.processor.timeoutSeconds,
        memoryMb: 256,
        reservedConcurrency: args.processor.reservedConcurrency,
      },
      this,
    );
    new aws.lambda.EventSourceMapping(
      `${name}-payments-processor`,
      {
        eventSourceArn: queue.arn,
        functionName: processorFunction.name,
        batchSize: args.processor.batchSize,
        maximumBatchingWindowInSeconds: args.processor.batchWindowSeconds,
        functionResponseTypes: ["ReportBatchItemFailures"],
        // Never more concurrent batches than the function may run: a throttled batch would count
        // as a receive and push healthy payments toward the dead-letter queue.
        scalingConfig: { maximumConcurrency: args.processor.reservedConcurrency },
      },
      parent,
    );
    const healthFunction = handlerFunction(
      `${name}-health`,
      {
        ...common,
        base: "health",
        description: "GET /health: deep health of the region for Route 53 health checks",
        callback: healthHandler,
        statements: [
          {
            sid: "ProbeThePaymentsTable",
            actions: ["dynamodb:GetItem"],
            resources: [data.tableArn],
          },
          {
            sid: "ReadTheActiveRegion",
            actions: ["ssm:GetParameter"],
            resources: [data.activeRegionParameterArn],
          },
        ],
        environment: {
          PAYMENTS_TABLE: data.tableName,
          ACTIVE_REGION_PARAMETER: data.activeRegionParameter,
        },
        timeoutSeconds: 5,
        memoryMb: 256,
        reservedConcurrency: HEALTH_RESERVED_CONCURRENCY,
      },
      this,
    );

    // --- The API ---
    const apiName = namer.regional("restApi", "payments", region);
    const body = pulumi
      .all([apiFunction.invokeArn, healthFunction.invokeArn])
      .apply(([paymentsArn, healthArn]) =>
        JSON.stringify(
          paymentApiDefinition({
            paymentsFunctionInvokeArn: paymentsArn,
            healthFunctionInvokeArn: healthArn,
            title: apiName,
          }),
        ),
      );
    const api = new aws.apigateway.RestApi(
      `${name}-api`,
      {
        name: apiName,
        description: "Payments API (regional); merchants call it through api.<zone>",
        body,
        endpointConfiguration: { types: "REGIONAL" },
        // Only the custom domains serve it: their TLS policy and names are the contract.
        disableExecuteApiEndpoint: true,
      },
      parent,
    );
    const deployment = new aws.apigateway.Deployment(
      `${name}-api`,
      {
        restApi: api.id,
        description: "The API definition of this update",
        triggers: { definition: body.apply((b) => createHash("sha256").update(b).digest("hex")) },
      },
      parent,
    );
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-api-access-logs`,
      {
        name: `/aws/apigateway/${apiName}/access`,
        kmsKeyId: data.keyArn,
        retentionInDays: args.logRetentionDays,
      },
      parent,
    );
    // API Gateway writes logs through an account-wide role per region: without it, a stage with
    // access logs fails to create ("CloudWatch Logs role ARN must be set in account settings").
    const logsRole = serviceRole(
      `${name}-api-logs`,
      {
        roleName: namer.regional("iamRole", "apigateway-logs", region),
        service: "apigateway.amazonaws.com",
      },
      this,
    );
    const logsRoleAttachment = new aws.iam.RolePolicyAttachment(
      `${name}-api-logs`,
      {
        role: logsRole.name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
      },
      parent,
    );
    const account = new aws.apigateway.Account(
      `${name}-api-account`,
      { cloudwatchRoleArn: logsRole.arn },
      { ...parent, dependsOn: [logsRoleAttachment] },
    );
    const stage = new aws.apigateway.Stage(
      `${name}-api`,
      {
        restApi: api.id,
        deployment: deployment.id,
        stageName: API_STAGE,
        description: "The only stage; the custom domains map to it",
        accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
        xrayTracingEnabled: true,
      },
      { ...parent, dependsOn: [account] },
    );
    new aws.apigateway.MethodSettings(
      `${name}-api`,
      {
        restApi: api.id,
        stageName: stage.stageName,
        methodPath: "*/*",
        settings: {
          throttlingRateLimit: args.api.throttleRateLimit,
          throttlingBurstLimit: args.api.throttleBurstLimit,
          metricsEnabled: true,
          // Errors only, and never request data: bodies carry payment details.
          loggingLevel: "ERROR",
          dataTraceEnabled: false,
        },
      },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-payments-api`,
      {
        action: "lambda:InvokeFunction",
        function: apiFunction.name,
        principal: "apigateway.amazonaws.com",
        sourceArn: pulumi.interpolate`${api.executionArn}/${API_STAGE}/*/payments*`,
      },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-health`,
      {
        action: "lambda:InvokeFunction",
        function: healthFunction.name,
        principal: "apigateway.amazonaws.com",
        sourceArn: pulumi.interpolate`${api.executionArn}/${API_STAGE}/GET/health`,
      },
      parent,
    );

    // --- Names: one certificate, two custom domains ---
    const failoverName = apiDomainName(zone.zoneName);
    const regionalName = regionalApiDomainName(zone.zoneName, region);
    const certificate = new aws.acm.Certificate(
      `${name}-api`,
      {
        domainName: failoverName,
        subjectAlternativeNames: [`*.${failoverName}`],
        validationMethod: "DNS",
        keyAlgorithm: "RSA_2048",
      },
      parent,
    );
    // `api.<zone>` and `*.api.<zone>` validate with one record, the same in every region.
    const validationRecordFqdn =
      args.primary?.certificateValidationRecordFqdn ??
      new aws.route53.Record(
        `${name}-api-certificate-validation`,
        {
          zoneId: zone.zoneId,
          name: certificate.domainValidationOptions.apply((o) => o[0].resourceRecordName),
          type: certificate.domainValidationOptions.apply((o) => o[0].resourceRecordType),
          records: [certificate.domainValidationOptions.apply((o) => o[0].resourceRecordValue)],
          ttl: 300,
        },
        parent,
      ).fqdn;
    const validation = new aws.acm.CertificateValidation(
      `${name}-api`,
      { certificateArn: certificate.arn, validationRecordFqdns: [validationRecordFqdn] },
      parent,
    );
    const domain = (logical: string, domainName: string) => {
      const custom = new aws.apigateway.DomainName(
        `${name}-${logical}`,
        {
          domainName,
          regionalCertificateArn: validation.certificateArn,
          endpointConfiguration: { types: "REGIONAL" },
          securityPolicy: "TLS_1_2",
        },
        parent,
      );
      new aws.apigateway.BasePathMapping(
        `${name}-${logical}`,
        { domainName: custom.domainName, restApi: api.id, stageName: stage.stageName },
        parent,
      );
      return custom;
    };
    const failoverDomain = domain("api-domain", failoverName);
    const regionalDomain = domain("regional-api-domain", regionalName);
    new aws.route53.Record(
      `${name}-regional-api`,
      {
        zoneId: zone.zoneId,
        name: regionalName,
        type: "A",
        aliases: [
          {
            name: regionalDomain.regionalDomainName,
            zoneId: regionalDomain.regionalZoneId,
            evaluateTargetHealth: false,
          },
        ],
      },
      parent,
    );

    if (args.production) {
      this.webAcl(name, args, stage);
    }

    this.restApiId = api.id;
    this.restApiName = api.name;
    this.stageArn = stage.arn;
    this.apiDomainTarget = {
      name: failoverDomain.regionalDomainName,
      zoneId: failoverDomain.regionalZoneId,
    };
    this.regionalDomainName = regionalName;
    this.regionalUrl = `https://${regionalName}`;
    this.queueUrl = queue.url;
    this.deadLetterQueueName = deadLetters.name;
    this.functionNames = {
      api: apiFunction.name,
      processor: processorFunction.name,
      health: healthFunction.name,
    };
    this.certificateValidationRecordFqdn = pulumi.output(validationRecordFqdn);
    this.registerOutputs({
      restApiId: this.restApiId,
      stageArn: this.stageArn,
      regionalUrl: this.regionalUrl,
      queueUrl: this.queueUrl,
      deadLetterQueueName: this.deadLetterQueueName,
    });
  }

  /** AWS managed rule groups plus a per-IP rate limit, on the stage. */
  private webAcl(name: string, args: ComputeTierArgs, stage: aws.apigateway.Stage): void {
    const { namer, region } = args;
    const aclName = namer.regional("wafWebAcl", "payments-api", region);
    const visibility = (metric: string) => ({
      cloudwatchMetricsEnabled: true,
      metricName: `${aclName}-${metric}`,
      sampledRequestsEnabled: true,
    });
    const managed = (priority: number, group: string) => ({
      name: group,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { name: group, vendorName: "AWS" } },
      visibilityConfig: visibility(group),
    });
    const acl = new aws.wafv2.WebAcl(
      `${name}-api`,
      {
        name: aclName,
        description: "Payments API: AWS managed protections and a per-IP rate limit",
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        customResponseBodies: [
          {
            key: "rate-limited",
            contentType: "APPLICATION_JSON",
            content: JSON.stringify({
              error: { code: "RATE_LIMITED", message: "too many requests from this address" },
            }),
          },
        ],
        rules: [
          {
            name: "rate-limit-per-ip",
            priority: 0,
            action: {
              block: {
                customResponse: { responseCode: 429, customResponseBodyKey: "rate-limited" },
              },
            },
            statement: {
              rateBasedStatement: {
                limit: args.api.wafRateLimit,
                aggregateKeyType: "IP",
                evaluationWindowSec: 300,
              },
            },
            visibilityConfig: visibility("rate-limit-per-ip"),
          },
          managed(1, "AWSManagedRulesAmazonIpReputationList"),
          // Includes SizeRestrictions_BODY: bodies over 8 KB are blocked before the function.
          managed(2, "AWSManagedRulesCommonRuleSet"),
          managed(3, "AWSManagedRulesKnownBadInputsRuleSet"),
        ],
        visibilityConfig: visibility("all"),
      },
      { parent: this },
    );
    new aws.wafv2.WebAclAssociation(
      `${name}-api`,
      { resourceArn: stage.arn, webAclArn: acl.arn },
      { parent: this },
    );
  }
}
