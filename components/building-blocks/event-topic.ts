/** An SNS topic that EventBridge rules deliver to, as this program makes every one. */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "./iam";
import type { ChildOptions } from "./parts";

/**
 * A topic encrypted with `keyArn` (whose key policy lets EventBridge use it, components/keys.ts)
 * and a topic policy that lets EventBridge publish. No Condition block: EventBridge User Guide,
 * "Amazon SNS permissions": "You can't use Condition blocks in Amazon SNS topic policies for
 * EventBridge"; a condition naming the rule would stop every delivery
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
 */
export function eventTopic(
  name: string,
  args: { readonly topicName: string; readonly keyArn: pulumi.Input<string> },
  child: ChildOptions,
): aws.sns.Topic {
  const topic = new aws.sns.Topic(
    name,
    { name: args.topicName, kmsMasterKeyId: args.keyArn },
    child,
  );
  new aws.sns.TopicPolicy(
    name,
    {
      arn: topic.arn,
      policy: policyDocument(
        [
          {
            sid: "EventBridgePublishes",
            principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
            actions: ["sns:Publish"],
            resources: [topic.arn],
          },
        ],
        child,
      ),
    },
    child,
  );
  return topic;
}
