/**
 * Connecting to one node of a RabbitMQ cluster (stage 1 of docs/scaling.md): a client
 * holds one connection to any node, and when it loses that node it moves to the next.
 * Every node of a cluster serves every exchange, so which one does not matter, only that
 * a lost node is tried last: it is most likely the one that died.
 */
export interface ClusterNodes {
  readonly urls: readonly string[];
  /** The index of the node last connected to (or to try first). */
  at: number;
}

export function clusterNodes(urls: readonly string[]): ClusterNodes {
  if (urls.length === 0) throw new Error('a broker needs at least one node URL');
  return { urls, at: 0 };
}

/**
 * Opens a connection to the first node that answers, starting `from` the node after
 * the current one (after a loss) or at it (a first connect). Throws the last node's
 * error when none answers: the caller retries with its own backoff.
 */
export async function connectToANode<T>(
  nodes: ClusterNodes, open: (url: string) => Promise<T>, { after = false }: { after?: boolean } = {},
): Promise<{ value: T; url: string }> {
  const count = nodes.urls.length;
  const first = after ? (nodes.at + 1) % count : nodes.at;
  let lastError: unknown;
  for (let step = 0; step < count; step += 1) {
    const index = (first + step) % count;
    const url = nodes.urls[index] ?? '';
    try {
      const value = await open(url);
      nodes.at = index;
      return { value, url };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** A node URL without its credentials, for logs and metrics. */
export function nodeLabel(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'amqps:' ? '5671' : '5672')}`;
  } catch {
    return 'an unreadable URL';
  }
}
