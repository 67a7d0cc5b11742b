import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { Notification } from "./notification";
import { renderNotification, type RenderOptions } from "./render";

/** Delivers a notification; throws when it was not accepted, so the caller keeps the old ledger. */
export interface AlertPublisher {
  publish(n: Notification): Promise<void>;
}

/** Publishes to one SNS topic: email, AWS Chatbot (https), SQS and others subscribe to it. */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    private readonly options: RenderOptions = {},
  ) {}

  async publish(n: Notification): Promise<void> {
    const message = renderNotification(n, this.options);
    const out = await this.client.send(new PublishCommand({ TopicArn: this.topicArn, ...message }));
    // A reply without a message id was not a publish: treat it as a failure, retried next run.
    if (!out.MessageId) throw new Error("SNS Publish returned no MessageId");
  }
}
