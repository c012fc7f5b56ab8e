/**
 * The compute tier of one region, the front door merchants call: the payment queue
 * (./compute/payment-queue.ts), the handlers in the VPC's private subnets — payments-api (accepts
 * payments), payments-processor (starts the payment workflow from the queue, partial batch
 * responses) and health —, the REST API that invokes them (./compute/payment-api.ts) and the
 * names it is served under (./compute/api-domains.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { healthHandler } from "../handlers/health.lambda";
import { merchantAuthorizerHandler } from "../handlers/merchant-authorizer.lambda";
import { paymentsApiHandler } from "../handlers/payments-api.lambda";
import { paymentsProcessorHandler } from "../handlers/payments-processor.lambda";
import { ledgerAccess, ledgerEnvironment } from "./data/ledger";
import { API_STAGE } from "../definitions/payment-api";
import { HEALTH_RESERVED_CONCURRENCY, type StackConfig } from "../model/config";
import type { Namer } from "../model/naming";
import type { AwsRegion } from "../model/regions";
import { handlerFunction } from "./building-blocks/lambda";
import { ApiDomains } from "./compute/api-domains";
import { PaymentApi } from "./compute/payment-api";
import { PaymentQueue } from "./compute/payment-queue";
import { Sweeper } from "./compute/sweeper";
import type { DataTier } from "./data";
import type { HostedZone } from "./hosted-zone";
import type { Network } from "./network";
import type { OrchestrationTier } from "./orchestration";

interface ComputeTierCommon {
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly data: DataTier;
  readonly network: Network;
  readonly orchestration: OrchestrationTier;
  readonly zone: HostedZone;
  readonly config: ComputeConfig;
}

/** The stack settings the compute tier reads (production puts a WAF web ACL before the API). */
/** A region's processing, as the failover runbook pauses, drains and resumes it. */
export interface RegionProcessing {
  /** The processor's event source mappings (payments queue, repair queue). */
  readonly mappingUuids: readonly pulumi.Output<string>[];
  readonly mappingArns: readonly pulumi.Output<string>[];
  /** The queues the processor consumes (payments, repair). */
  readonly queueUrls: readonly pulumi.Output<string>[];
  readonly queueArns: readonly pulumi.Output<string>[];
  readonly paymentsQueueUrl: pulumi.Output<string>;
  readonly paymentsQueueArn: pulumi.Output<string>;
  readonly stateMachineArn: pulumi.Output<string>;
}

/** Batches of the repair queue at once: its minimum; parked payments are few. */
const REPAIR_CONCURRENCY = 2;

export type ComputeConfig = Pick<
  StackConfig,
  | "environment"
  | "production"
  | "logRetentionDays"
  | "authorization"
  | "api"
  | "processor"
  | "queue"
  | "sweeper"
>;

export type ComputeTierArgs = ComputeTierCommon &
  (
    | { readonly role: "primary" }
    | {
        readonly role: "secondary";
        /** The primary region's tier: its certificate validation record serves both regions. */
        readonly primary: ComputeTier;
      }
  );

export class ComputeTier extends pulumi.ComponentResource {
  readonly restApiId: pulumi.Output<string>;
  readonly restApiName: pulumi.Output<string>;
  readonly stageArn: pulumi.Output<string>;
  /** Target of the `api.<zone>` failover record for this region. */
  readonly apiDomainTarget: {
    readonly name: pulumi.Output<string>;
    readonly zoneId: pulumi.Output<string>;
  };
  /** `https://<region>.api.<zone>`: this region's API, bypassing failover. */
  readonly regionalUrl: string;
  readonly regionalDomainName: string;
  readonly queueUrl: pulumi.Output<string>;
  /** What the failover runbook pauses and drains here, or resumes (../definitions/failover-runbook.ts). */
  readonly processing: RegionProcessing;
  readonly deadLetterQueueName: pulumi.Output<string>;
  readonly functionNames: {
    readonly api: pulumi.Output<string>;
    readonly processor: pulumi.Output<string>;
    readonly health: pulumi.Output<string>;
    readonly sweeper: pulumi.Output<string>;
  };
  readonly certificateValidationRecordFqdn: pulumi.Output<string>;

  constructor(name: string, args: ComputeTierArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:ComputeTier", name, {}, opts);
    const { namer, region, data, network, orchestration, config } = args;
    const parent = { parent: this };
    const queue = new PaymentQueue(
      `${name}-payments`,
      {
        region,
        namer,
        keyArn: data.keyArn,
        processorTimeoutSeconds: config.processor.timeoutSeconds,
        batchWindowSeconds: config.processor.batchWindowSeconds,
        maxReceiveCount: config.queue.maxReceiveCount,
        retentionDays: config.queue.retentionDays,
      },
      parent,
    );

    const common = {
      region,
      namer,
      keyArn: data.keyArn,
      logRetentionDays: config.logRetentionDays,
      vpc: { subnetIds: network.privateSubnetIds, securityGroupId: network.lambdaSecurityGroupId },
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
            // PutItem accepts; UpdateItem marks (and unmarks) a replay's re-queue.
            sid: "WriteAndReadPayments",
            actions: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"],
            resources: [data.tableArn],
          },
          { sid: "QueuePayments", actions: ["sqs:SendMessage"], resources: [queue.queueArn] },
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
          {
            // Its region's replica of the secret (decrypted with the region's key, above).
            sid: "ReadThePaymentIdKey",
            actions: ["secretsmanager:GetSecretValue"],
            resources: [data.apiSecrets.paymentIdSecretArn],
          },
        ],
        environment: {
          PAYMENTS_TABLE: data.tableName,
          PAYMENTS_QUEUE_URL: queue.queueUrl,
          ACTIVE_REGION_PARAMETER: data.activeRegionParameter,
          PAYMENT_ID_SECRET_ARN: data.apiSecrets.paymentIdSecretArn,
          PAYMENT_LIMITS: JSON.stringify(config.authorization.maxAmountMinor),
          TOKEN_PREFIX: config.api.tokenPrefix,
        },
        timeoutSeconds: config.api.timeoutSeconds,
        memoryMb: 512,
        reservedConcurrency: config.api.reservedConcurrency,
      },
      parent,
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
            // What Lambda's SQS event source polls with, on the function's role
            // (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
            sid: "ConsumeThePaymentAndRepairQueues",
            actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            resources: [queue.queueArn, orchestration.repairQueueArn],
          },
          {
            // Queued payments, and the ledger's credentials (the secret is under the same key).
            sid: "DecryptQueuedPaymentsAndLedgerCredentials",
            actions: ["kms:Decrypt"],
            resources: [data.keyArn],
          },
          {
            sid: "StartPaymentWorkflows",
            actions: ["states:StartExecution"],
            resources: [orchestration.stateMachineArn],
          },
          {
            sid: "ReadTheActiveRegion",
            actions: ["ssm:GetParameter"],
            resources: [data.activeRegionParameterArn],
          },
          // The gate's `SELECT 1`: the Data API answers only where the ledger has a writer.
          ...ledgerAccess(data, "AskTheLedgerWhetherItWrites"),
        ],
        environment: {
          PAYMENT_WORKFLOW_ARN: orchestration.stateMachineArn,
          ACTIVE_REGION_PARAMETER: data.activeRegionParameter,
          ...ledgerEnvironment(data),
        },
        timeoutSeconds: config.processor.timeoutSeconds,
        memoryMb: 256,
        reservedConcurrency: config.processor.reservedConcurrency,
      },
      parent,
    );
    const consume = (logicalName: string, queueArn: pulumi.Input<string>, concurrency: number) =>
      new aws.lambda.EventSourceMapping(
        logicalName,
        {
          // Only the active region processes: the standby's mappings start paused, and from then
          // on the failover runbook owns `enabled` (it pauses the old region's and resumes the
          // new one's), so a later `pulumi up` leaves it as the last failover set it.
          enabled: args.role === "primary",
          eventSourceArn: queueArn,
          functionName: processorFunction.name,
          batchSize: config.processor.batchSize,
          maximumBatchingWindowInSeconds: config.processor.batchWindowSeconds,
          functionResponseTypes: ["ReportBatchItemFailures"],
          // The two sources together never run more batches than the function may: a throttled
          // batch would count as a receive and push healthy payments toward the dead-letter
          // queue. Each takes at least 2
          // (https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html).
          scalingConfig: { maximumConcurrency: concurrency },
        },
        { ...parent, ignoreChanges: ["enabled"] },
      );
    const mappings = [
      consume(
        `${name}-payments-processor`,
        queue.queueArn,
        config.processor.reservedConcurrency - REPAIR_CONCURRENCY,
      ),
      consume(`${name}-payments-repair`, orchestration.repairQueueArn, REPAIR_CONCURRENCY),
    ];
    this.processing = {
      mappingUuids: mappings.map((m) => m.uuid),
      mappingArns: mappings.map((m) => m.arn),
      queueUrls: [queue.queueUrl, orchestration.repairQueueUrl],
      queueArns: [queue.queueArn, orchestration.repairQueueArn],
      paymentsQueueUrl: queue.queueUrl,
      paymentsQueueArn: queue.queueArn,
      stateMachineArn: orchestration.stateMachineArn,
    };
    const sweeper = new Sweeper(
      `${name}-sweeper`,
      {
        region,
        namer,
        keyArn: data.keyArn,
        logRetentionDays: config.logRetentionDays,
        vpc: common.vpc,
        tableName: data.tableName,
        tableArn: data.tableArn,
        activeRegionParameter: data.activeRegionParameter,
        activeRegionParameterArn: data.activeRegionParameterArn,
        ledger: data,
        queueUrl: queue.queueUrl,
        queueArn: queue.queueArn,
        minAgeSeconds: config.sweeper.minAgeSeconds,
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
          // ?role=active asks whether this region's ledger writes (handlers/health.lambda.ts).
          ...ledgerAccess(data, "AskTheLedgerWhetherItWrites"),
        ],
        environment: {
          PAYMENTS_TABLE: data.tableName,
          ACTIVE_REGION_PARAMETER: data.activeRegionParameter,
          ...ledgerEnvironment(data),
        },
        timeoutSeconds: 5,
        memoryMb: 256,
        reservedConcurrency: HEALTH_RESERVED_CONCURRENCY,
      },
      parent,
    );

    const authorizerFunction = handlerFunction(
      `${name}-merchant-authorizer`,
      {
        ...common,
        base: "merchant-authorizer",
        description: "Authenticates merchants' API keys for every payment route",
        callback: merchantAuthorizerHandler,
        statements: [
          {
            sid: "ReadTheMerchantsKeys",
            actions: ["dynamodb:GetItem"],
            resources: [data.merchants.tableArn],
          },
          {
            sid: "ReadTheKeyPepper",
            actions: ["secretsmanager:GetSecretValue"],
            resources: [data.apiSecrets.pepperSecretArn],
          },
          {
            // The table and the secret are encrypted under the region's key.
            sid: "DecryptTheKeysAndThePepper",
            actions: ["kms:Decrypt"],
            resources: [data.keyArn],
          },
        ],
        environment: {
          MERCHANTS_TABLE: data.merchants.tableName,
          PEPPER_SECRET_ARN: data.apiSecrets.pepperSecretArn,
          KEY_ENVIRONMENT: config.environment,
          // With mutual TLS, a payment request must have come through api.<zone> with a client
          // certificate (the regional names ask for none).
          REQUIRE_CLIENT_CERTIFICATE: String(config.api.mutualTlsTruststore !== undefined),
        },
        timeoutSeconds: 5,
        memoryMb: 256,
        reservedConcurrency: config.api.reservedConcurrency,
      },
      parent,
    );
    const api = new PaymentApi(
      `${name}-api`,
      {
        region,
        namer,
        keyArn: data.keyArn,
        logRetentionDays: config.logRetentionDays,
        settings: config.api,
        production: config.production,
        paymentsFunctionInvokeArn: apiFunction.invokeArn,
        healthFunctionInvokeArn: healthFunction.invokeArn,
        authorizerFunctionInvokeArn: authorizerFunction.invokeArn,
      },
      parent,
    );
    // API Gateway calls the authorizer through the function's resource policy; the source ARN of
    // an authorizer call is `<execution ARN>/authorizers/<authorizer id>` (API Gateway Developer
    // Guide, "Configure a Lambda authorizer":
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html).
    new aws.lambda.Permission(
      `${name}-merchant-authorizer`,
      {
        action: "lambda:InvokeFunction",
        function: authorizerFunction.name,
        principal: "apigateway.amazonaws.com",
        sourceArn: pulumi.interpolate`${api.executionArn}/authorizers/*`,
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
    const domains = new ApiDomains(
      `${name}-api-domains`,
      {
        region,
        zone: args.zone,
        restApiId: api.restApiId,
        stageName: api.stageName,
        primaryValidationRecordFqdn:
          args.role === "secondary" ? args.primary.certificateValidationRecordFqdn : undefined,
        tierName: name,
        ...(config.api.mutualTlsTruststore === undefined
          ? {}
          : { mutualTls: { file: config.api.mutualTlsTruststore, namer, keyArn: data.keyArn } }),
      },
      parent,
    );

    this.restApiId = api.restApiId;
    this.restApiName = api.restApiName;
    this.stageArn = api.stageArn;
    this.apiDomainTarget = domains.apiDomainTarget;
    this.regionalDomainName = domains.regionalDomainName;
    this.regionalUrl = `https://${domains.regionalDomainName}`;
    this.queueUrl = queue.queueUrl;
    this.deadLetterQueueName = queue.deadLetterQueueName;
    this.functionNames = {
      api: apiFunction.name,
      processor: processorFunction.name,
      health: healthFunction.name,
      sweeper: sweeper.functionName,
    };
    this.certificateValidationRecordFqdn = domains.certificateValidationRecordFqdn;
    this.registerOutputs({
      restApiId: this.restApiId,
      stageArn: this.stageArn,
      regionalUrl: this.regionalUrl,
      queueUrl: this.queueUrl,
      deadLetterQueueName: this.deadLetterQueueName,
    });
  }
}
