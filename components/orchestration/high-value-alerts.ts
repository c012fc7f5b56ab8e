/**
 * High-value payment alerts of one region: an EventBridge rule on the payment bus that matches a
 * PaymentCompleted event whose amount is at or above its currency's threshold (`highValueAmounts`)
 * and sends it to the region's `high-value-payments` topic (KMS, the alert e-mail subscribed). The
 * rule reads the event's detail, the settlement the workflow publishes
 * (definitions/payment-workflow.ts: payment, merchant, customer, amount, currency, times, region),
 * which never carries the payment method: the topic and its subscribers never see a token.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { eventTopic } from "../building-blocks/event-topic";
import type { ChildOptions } from "../building-blocks/parts";
import type { Namer } from "../../model/naming";
import type { AwsRegion } from "../../model/regions";

/**
 * The rule's event pattern: any one currency's threshold, through `$or` and `numeric` matching
 * (Amazon EventBridge User Guide, "Comparison operators for use in event patterns", numeric
 * matching and `$or`:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 */
export function highValuePattern(
  source: string,
  thresholds: Readonly<Record<string, number>>,
): Record<string, unknown> {
  return {
    source: [source],
    "detail-type": ["PaymentCompleted"],
    $or: Object.entries(thresholds)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, minor]) => ({
        detail: { currency: [currency], amountMinor: [{ numeric: [">=", minor] }] },
      })),
  };
}

export interface HighValueAlertsArgs {
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly keyArn: pulumi.Input<string>;
  readonly busName: pulumi.Input<string>;
  readonly source: string;
  readonly thresholds: Readonly<Record<string, number>>;
  readonly alertEmail: string | undefined;
}

/** The topic, its policy, the rule and its target; none when no threshold is configured. */
export function highValueAlerts(
  name: string,
  args: HighValueAlertsArgs,
  child: ChildOptions,
): pulumi.Output<string> | undefined {
  if (Object.keys(args.thresholds).length === 0) {
    return undefined;
  }
  const topic = eventTopic(
    `${name}-high-value`,
    {
      topicName: args.namer.regional("snsTopic", "high-value-payments", args.region),
      keyArn: args.keyArn,
    },
    child,
  );
  const rule = new aws.cloudwatch.EventRule(
    `${name}-high-value`,
    {
      name: args.namer.regional("eventRule", "high-value-payments", args.region),
      description: "Completed payments at or above highValueAmounts to the high-value topic",
      eventBusName: args.busName,
      eventPattern: JSON.stringify(highValuePattern(args.source, args.thresholds)),
    },
    child,
  );
  new aws.cloudwatch.EventTarget(
    `${name}-high-value`,
    { rule: rule.name, eventBusName: args.busName, arn: topic.arn },
    child,
  );
  if (args.alertEmail !== undefined) {
    new aws.sns.TopicSubscription(
      `${name}-high-value`,
      { topic: topic.arn, protocol: "email", endpoint: args.alertEmail },
      child,
    );
  }
  return topic.arn;
}
