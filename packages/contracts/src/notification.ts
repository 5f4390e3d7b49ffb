import { z } from 'zod';

/** The AsyncAPI message pushed on `/post/feed/posted`. */
export const postedMessageSchema = z.object({
  postId: z.string(),
  postText: z.string(),
  author_user_id: z.string(),
});

export type PostedMessage = z.infer<typeof postedMessageSchema>;

/**
 * What travels over RabbitMQ: one message per new post (or per part of its recipient
 * list, see `parts`), published once to the fanout exchange `herald.posts`. It carries
 * the client payload, the event id (consumers drop redeliveries by `eventId` and
 * `part`), the log position, and the readers to push it to: the author's friends as of
 * the post's position. Each consumer delivers to the recipients it holds.
 */
export const postNotificationSchema = z.object({
  eventId: z.string(),
  position: z.string(),
  payload: postedMessageSchema,
  recipients: z.array(z.string()),
  /** A post with more recipients than fit one message is split; parts count from 0. */
  part: z.number().int().nonnegative(),
  parts: z.number().int().positive(),
});

export type PostNotification = z.infer<typeof postNotificationSchema>;

/** Every notifier queue holding sockets is bound to it; the broker's work per post does not grow with the friend count. */
export const postsExchange = 'herald.posts';
export const postsExchangeType = 'fanout';

/** The AMQP message id of one part of a post's notification. */
export function notificationMessageId(eventId: string, part: number): string {
  return `${eventId}:${String(part)}`;
}
