/**
 * A region's SQS queues for game days, on the game day's simulated clock, served over the SQS
 * JSON protocol so the serialized handlers call them as they call SQS. What it follows, from the
 * Amazon SQS Developer Guide and API reference:
 * - A received message stays in the queue, invisible for the visibility timeout; deleted with its
 *   receipt handle it is gone, otherwise it becomes visible again
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html).
 * - `DelaySeconds` (0-900) keeps a new message invisible that long
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
 * - After `maxReceiveCount` receives without a delete, a message moves to the dead-letter queue
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
 * - Approximate counts: visible, not visible (in flight), delayed
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html).
 * A region that is down answers nothing (callers time out).
 */
import { createHash, randomUUID } from "node:crypto";
import * as http from "node:http";
import { close, listen } from "../harness/emulators";

export interface QueueSpec {
  readonly url: string;
  readonly visibilityTimeoutSeconds: number;
  /** The dead-letter queue's URL and the receives before a message moves there. */
  readonly redrive?: { readonly deadLetterUrl: string; readonly maxReceiveCount: number };
}

interface Message {
  readonly id: string;
  readonly body: string;
  /** Simulated milliseconds from which it can be received. */
  visibleAtMs: number;
  receiveCount: number;
  receiptHandle: string | null;
  /** True until its delay has passed once (counted as delayed, not in flight). */
  delayed: boolean;
}

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

export class RegionQueues {
  private readonly queues = new Map<string, { spec: QueueSpec; messages: Message[] }>();
  reachable = true;

  constructor(
    specs: readonly QueueSpec[],
    private readonly now: () => number,
  ) {
    for (const spec of specs) {
      this.queues.set(spec.url, { spec, messages: [] });
    }
  }

  private queue(url: string) {
    const queue = this.queues.get(url);
    if (queue === undefined) {
      throw Object.assign(new Error(`no queue ${url}`), {
        name: "AWS.SimpleQueueService.NonExistentQueue",
      });
    }
    return queue;
  }

  send(url: string, body: string, delaySeconds = 0): string {
    const id = randomUUID();
    this.queue(url).messages.push({
      id,
      body,
      visibleAtMs: this.now() + delaySeconds * 1000,
      receiveCount: 0,
      receiptHandle: null,
      delayed: delaySeconds > 0,
    });
    return id;
  }

  receive(url: string, max: number, visibilitySeconds?: number) {
    const queue = this.queue(url);
    const now = this.now();
    const received: { id: string; body: string; receiptHandle: string; receiveCount: number }[] =
      [];
    for (const message of [...queue.messages]) {
      if (received.length >= max) {
        break;
      }
      if (message.visibleAtMs > now) {
        continue;
      }
      message.delayed = false;
      const redrive = queue.spec.redrive;
      if (redrive !== undefined && message.receiveCount >= redrive.maxReceiveCount) {
        // Received maxReceiveCount times without a delete: to the dead-letter queue.
        queue.messages.splice(queue.messages.indexOf(message), 1);
        this.queue(redrive.deadLetterUrl).messages.push({
          ...message,
          visibleAtMs: now,
          receiveCount: 0,
          receiptHandle: null,
        });
        continue;
      }
      message.receiveCount += 1;
      message.receiptHandle = randomUUID();
      message.visibleAtMs = now + (visibilitySeconds ?? queue.spec.visibilityTimeoutSeconds) * 1000;
      received.push({
        id: message.id,
        body: message.body,
        receiptHandle: message.receiptHandle,
        receiveCount: message.receiveCount,
      });
    }
    return received;
  }

  delete(url: string, receiptHandle: string): void {
    const queue = this.queue(url);
    const index = queue.messages.findIndex((m) => m.receiptHandle === receiptHandle);
    if (index >= 0) {
      queue.messages.splice(index, 1);
    }
  }

  depth(url: string): { visible: number; inFlight: number; delayed: number } {
    const now = this.now();
    const messages = this.queue(url).messages;
    return {
      visible: messages.filter((m) => m.visibleAtMs <= now).length,
      inFlight: messages.filter((m) => m.visibleAtMs > now && !m.delayed).length,
      delayed: messages.filter((m) => m.visibleAtMs > now && m.delayed).length,
    };
  }

  /** The queues over the SQS JSON protocol (`X-Amz-Target: AmazonSQS.<Action>`). */
  async serve(): Promise<{ endpoint: string; close: () => Promise<void> }> {
    const server = http.createServer((request, response) => {
      let text = "";
      request.on("data", (chunk: Buffer) => (text += chunk.toString()));
      request.on("end", () => {
        if (!this.reachable) {
          return; // Down: no answer.
        }
        const action = String(request.headers["x-amz-target"] ?? "").replace("AmazonSQS.", "");
        const body = JSON.parse(text || "{}") as Record<string, unknown>;
        const reply = (status: number, payload: unknown) => {
          response.writeHead(status, { "Content-Type": "application/x-amz-json-1.0" });
          response.end(JSON.stringify(payload));
        };
        try {
          reply(200, this.dispatch(action, body));
        } catch (error) {
          reply(400, { __type: (error as Error).name, message: (error as Error).message });
        }
      });
    });
    const endpoint = await listen(server);
    return { endpoint, close: () => close(server) };
  }

  /** The bodies of every message a queue holds (visible, in flight or delayed). */
  bodies(url: string): string[] {
    return this.queue(url).messages.map((m) => m.body);
  }

  /** Every queue's URL. */
  urls(): string[] {
    return [...this.queues.keys()];
  }

  /** One SQS JSON-protocol action on these queues. */
  dispatch(action: string, body: Record<string, unknown>): unknown {
    const url = String(body.QueueUrl);
    switch (action) {
      case "SendMessage": {
        const text = String(body.MessageBody);
        const id = this.send(url, text, Number(body.DelaySeconds ?? 0));
        return { MessageId: id, MD5OfMessageBody: md5(text) };
      }
      case "SendMessageBatch": {
        const entries = body.Entries as {
          Id: string;
          MessageBody: string;
          DelaySeconds?: number;
        }[];
        return {
          Successful: entries.map((e) => ({
            Id: e.Id,
            MessageId: this.send(url, e.MessageBody, e.DelaySeconds ?? 0),
            MD5OfMessageBody: md5(e.MessageBody),
          })),
          Failed: [],
        };
      }
      case "ReceiveMessage": {
        const visibility = body.VisibilityTimeout;
        const messages = this.receive(
          url,
          Number(body.MaxNumberOfMessages ?? 1),
          visibility === undefined ? undefined : Number(visibility),
        );
        return {
          Messages: messages.map((m) => ({
            MessageId: m.id,
            ReceiptHandle: m.receiptHandle,
            Body: m.body,
            MD5OfBody: md5(m.body),
            Attributes: { ApproximateReceiveCount: String(m.receiveCount) },
          })),
        };
      }
      case "DeleteMessage":
        this.delete(url, String(body.ReceiptHandle));
        return {};
      case "DeleteMessageBatch": {
        const entries = body.Entries as { Id: string; ReceiptHandle: string }[];
        for (const entry of entries) {
          this.delete(url, entry.ReceiptHandle);
        }
        return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
      }
      case "GetQueueAttributes": {
        const depth = this.depth(url);
        return {
          Attributes: {
            ApproximateNumberOfMessages: String(depth.visible),
            ApproximateNumberOfMessagesNotVisible: String(depth.inFlight),
            ApproximateNumberOfMessagesDelayed: String(depth.delayed),
          },
        };
      }
      default:
        throw Object.assign(new Error(`the game day's SQS does not serve ${action}`), {
          name: "UnsupportedOperation",
        });
    }
  }
}
