/**
 * Stream names: each invariant lives in exactly one stream.
 * - `user-<id>`: registration (a user exists once) and its password hash.
 * - `friendship-<a>_<b>` with a < b: one stream per unordered pair, so a symmetric
 *   friendship is a single atomic fact whoever of the two acts.
 * - `post-<id>`: authorship, text, deletion.
 */
export const streamPrefixes = { user: 'user-', friendship: 'friendship-', post: 'post-' } as const;

export function userStream(userId: string): string {
  return `${streamPrefixes.user}${userId}`;
}

export function postStream(postId: string): string {
  return `${streamPrefixes.post}${postId}`;
}

export function friendshipStream(userA: string, userB: string): string {
  const [low, high] = userA < userB ? [userA, userB] : [userB, userA];
  return `${streamPrefixes.friendship}${low}_${high}`;
}
