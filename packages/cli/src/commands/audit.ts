import { auditNodeHome, loadNodeHome, type AuditProgress } from '@tongbao/node';
import { TongbaoError } from '@tongbao/protocol';
import { ProgressBar } from '../progress.js';

/** `tongbao audit --home DIR`: re-verifies the node's whole chain offline (stop the node first). */
export async function auditCommand(options: { home: string; json?: boolean }): Promise<number> {
  const home = loadNodeHome(options.home);
  let bar: ProgressBar | undefined;
  const onProgress = (p: AuditProgress): void => {
    bar ??= new ProgressBar('audit', Number(p.head));
    bar.update(Number(p.height), `${p.transactions} txs`);
  };
  try {
    const summary = await auditNodeHome(home, { onProgress });
    bar?.done();
    if (options.json) {
      console.log(JSON.stringify({ ok: true, ...summary, head: String(summary.head), blocks: String(summary.blocks), supply: String(summary.supply) }));
    } else {
      console.log(
        `audit passed: ${summary.blocks} blocks, ${summary.transactions} transactions (every signature verified), ` +
          `every hash link and root re-computed, money conserved over ${summary.accounts} accounts ` +
          `(supply ${summary.supply} fen), state root ${summary.stateRoot.slice(0, 16)}…, in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
      );
    }
    return 0;
  } catch (error) {
    bar?.done();
    if (!(error instanceof TongbaoError)) throw error;
    if (options.json) console.log(JSON.stringify({ ok: false, code: error.code, message: error.message }));
    else console.error(`audit FAILED: ${error.code}: ${error.message}`);
    return 1;
  }
}
