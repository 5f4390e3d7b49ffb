import { z } from 'zod';

/** The AsyncAPI message pushed on `/post/feed/posted`. */
export const postedMessageSchema = z.object({
  postId: z.string(),
  postText: z.string(),
  author_user_id: z.string(),
});

export type PostedMessage = z.infer<typeof postedMessageSchema>;

/**
 * What travels over RabbitMQ (exchange `herald.feed`, routing key `user.<readerId>`):
 * the client payload plus the event id, so consumers can drop redeliveries, and the
 * log position, so they can tell how fresh it is.
 */
export const feedNotificationSchema = z.object({
  eventId: z.string(),
  position: z.string(),
  payload: postedMessageSchema,
});

export type FeedNotification = z.infer<typeof feedNotificationSchema>;

export const feedExchange = 'herald.feed';

export function userRoutingKey(userId: string): string {
  return `user.${userId}`;
}
