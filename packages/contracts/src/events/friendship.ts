import { z } from 'zod';
import type { DomainEvent } from './envelope.js';

/** `userId` is the user who acted; the friendship itself is symmetric. */
const friendshipChange = z.object({
  userId: z.uuid(),
  friendId: z.uuid(),
});

export const friendAddedV1 = friendshipChange;
export const friendRemovedV1 = friendshipChange;

export type FriendAdded = DomainEvent<'FriendAdded', z.infer<typeof friendAddedV1>>;
export type FriendRemoved = DomainEvent<'FriendRemoved', z.infer<typeof friendRemovedV1>>;

export type FriendshipEvent = FriendAdded | FriendRemoved;
