import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of one node's validator port, for cutting links between real
 * processes: `block()` drops every connection through it and refuses new ones until
 * `heal()`. TLS passes through untouched (it is end to end between the nodes).
 */
export class TcpFaultProxy {
  private readonly sockets = new Set<Socket>();
  private blocked = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, host = '127.0.0.1'): Promise<TcpFaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const proxy = new TcpFaultProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => {
      if (proxy.blocked) {
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, host);
      for (const socket of [client, upstream]) {
        proxy.sockets.add(socket);
        socket.on('close', () => proxy.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    return proxy;
  }

  block(): void {
    this.blocked = true;
    for (const socket of this.sockets) socket.destroy();
  }

  heal(): void {
    this.blocked = false;
  }

  async close(): Promise<void> {
    this.block();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
