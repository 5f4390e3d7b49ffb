import { z } from 'zod';
import type { DomainEvent } from './envelope.js';

export const postCreatedV1 = z.object({
  postId: z.uuid(),
  authorId: z.uuid(),
  text: z.string(),
});

export const postUpdatedV1 = z.object({
  postId: z.uuid(),
  authorId: z.uuid(),
  text: z.string(),
});

export const postDeletedV1 = z.object({
  postId: z.uuid(),
  authorId: z.uuid(),
});

export type PostCreated = DomainEvent<'PostCreated', z.infer<typeof postCreatedV1>>;
export type PostUpdated = DomainEvent<'PostUpdated', z.infer<typeof postUpdatedV1>>;
export type PostDeleted = DomainEvent<'PostDeleted', z.infer<typeof postDeletedV1>>;

export type PostEvent = PostCreated | PostUpdated | PostDeleted;
