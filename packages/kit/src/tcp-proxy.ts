import net from 'node:net';

/**
 * A TCP relay in front of a real server, for fault tests: it can hold back what the
 * client sends (a slow or a dead network) and cut every connection. What it forwards
 * keeps its order.
 */
export interface TcpProxy {
  /** The target URL with this proxy's host and port in its place. */
  url(): string;
  /** Holds each chunk the client sends for `ms` before forwarding it (0: at once). */
  delayClientBytes(ms: number): void;
  /** Swallows what the client sends for `heldMs`, as a dead line does, then cuts every connection. */
  lose(heldMs: number): Promise<void>;
  /**
   * From now on swallows what the server sends on the connections open now, keeping them
   * open: a half-dead line, where the client's writes go through and no answer comes back.
   * Connections made later are not affected.
   */
  muteServer(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: URL | string, defaultPort: number): Promise<TcpProxy> {
  const to = new URL(target);
  const pairs = new Set<[net.Socket, net.Socket]>();
  const muted = new WeakSet<net.Socket>();
  let swallowing = false;
  let delayMs = 0;
  const server = net.createServer((near) => {
    const far = net.connect(Number(to.port || defaultPort), to.hostname);
    const pair: [net.Socket, net.Socket] = [near, far];
    pairs.add(pair);
    near.on('data', (chunk) => {
      if (swallowing) return;
      // Timers of equal delay fire in the order they were set, so chunks keep their order.
      if (delayMs > 0) setTimeout(() => far.write(chunk), delayMs);
      else far.write(chunk);
    });
    far.on('data', (chunk) => {
      if (!muted.has(far)) near.write(chunk);
    });
    const end = () => { near.destroy(); far.destroy(); pairs.delete(pair); };
    for (const socket of pair) socket.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: () => Object.assign(new URL(to), { hostname: '127.0.0.1', port: String(port) }).toString(),
    delayClientBytes(ms) {
      delayMs = ms;
    },
    async lose(heldMs) {
      swallowing = true;
      await new Promise((resolve) => setTimeout(resolve, heldMs));
      for (const [near, far] of pairs) { near.destroy(); far.destroy(); }
      swallowing = false;
    },
    muteServer() {
      for (const [, far] of pairs) muted.add(far);
    },
    close: () => new Promise<void>((resolve) => {
      for (const [near, far] of pairs) { near.destroy(); far.destroy(); }
      server.close(() => resolve());
    }),
  };
}
