import type { PostedMessage, PostNotification } from '@herald/contracts';

/** The payload of bench post i, as the notifier writes it to a socket. */
export function benchPayload(i: number): PostedMessage {
  return { postId: `0190c8a0-0000-7000-8000-${i.toString(16).padStart(12, '0')}`, postText: `fan-out post ${i} with some text in it`, author_user_id: 'bench-author' };
}

export function benchFrame(i: number): Buffer {
  return Buffer.from(JSON.stringify(benchPayload(i)));
}

/** The notification of bench post i for `fanout` of `users` users, the recipients the bare server picks too. */
export function benchNotification(i: number, fanout: number, users: number): PostNotification {
  const recipients = Array.from({ length: fanout }, (_, k) => `u${(i * fanout + k) % users}`);
  // A position as the log writes them: sockets compare cursors.
  const position = `0000000000000001-${i.toString(16).padStart(16, '0')}`;
  return { eventId: `bench-${i}`, position, kind: 'post.created', payload: benchPayload(i), recipients, part: 0, parts: 1 };
}
