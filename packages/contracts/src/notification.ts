import { z } from 'zod';

/** The AsyncAPI message pushed on `/post/feed/posted`. */
export const postedMessageSchema = z.object({
  postId: z.string(),
  postText: z.string(),
  author_user_id: z.string(),
});

export type PostedMessage = z.infer<typeof postedMessageSchema>;

/** A friend's post deleted: what is left to say is which post, and whose. */
export const deletedPostMessageSchema = z.object({
  postId: z.string(),
  author_user_id: z.string(),
});

export type DeletedPostMessage = z.infer<typeof deletedPostMessageSchema>;

/** What a notification is about: a new post (all the OTUS channel carries), or an edit or delete of one. */
export const notificationKinds = ['post.created', 'post.updated', 'post.deleted'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

const delivery = {
  eventId: z.string(),
  position: z.string(),
  recipients: z.array(z.string()),
  /** A notification with more recipients than fit one message is split; parts count from 0. */
  part: z.number().int().nonnegative(),
  parts: z.number().int().positive(),
  /** When the event was committed to the log (ISO 8601); null or absent from relays and outbox rows older than it. */
  committedAt: z.string().nullish(),
};

const notificationOfKind = z.discriminatedUnion('kind', [
  z.object({ ...delivery, kind: z.literal('post.created'), payload: postedMessageSchema }),
  z.object({ ...delivery, kind: z.literal('post.updated'), payload: postedMessageSchema }),
  z.object({ ...delivery, kind: z.literal('post.deleted'), payload: deletedPostMessageSchema }),
]);

/**
 * What travels over RabbitMQ: one message per post event of an author with friends (or
 * per part of its recipient list, see `parts`), published once to the fanout exchange
 * `herald.posts`. It carries what happened (`kind`), the client payload, the event id
 * (consumers drop redeliveries by `eventId` and `part`), the log position, and the
 * readers to push it to: the author's friends as of the event's position. Each consumer
 * delivers to the recipients it holds. A message without `kind` (from a relay older than
 * kinds) is a new post.
 */
export const postNotificationSchema = z.preprocess(
  (value) => (typeof value === 'object' && value !== null && !('kind' in value) ? { ...value, kind: 'post.created' } : value),
  notificationOfKind,
);

export type PostNotification = z.infer<typeof notificationOfKind>;

/** Every notifier queue holding sockets is bound to it; the broker's work per post does not grow with the friend count. */
export const postsExchange = 'herald.posts';
export const postsExchangeType = 'fanout';

/** The AMQP message id of one part of a post's notification. */
export function notificationMessageId(eventId: string, part: number): string {
  return `${eventId}:${String(part)}`;
}
