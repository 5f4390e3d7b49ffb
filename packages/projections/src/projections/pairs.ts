/** A friendship event's two directions, [user, friend] then [friend, user], for each event. */
export function bothWays(events: readonly { readonly event: { readonly data: { readonly userId: string; readonly friendId: string } } }[]): [string, string][] {
  return events.flatMap(({ event: { data } }) => [[data.userId, data.friendId], [data.friendId, data.userId]] as [string, string][]);
}
