import { TongbaoNode } from '@tongbao/node';

/** `tongbao start --home DIR`: runs one node until SIGINT or SIGTERM, then stops cleanly. */
export async function startCommand(options: { home: string }): Promise<number> {
  const node = await TongbaoNode.start(options.home);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await node.stop();
  return 0;
}
