/** A one-line progress bar on stderr (a plain line per update when stderr is not a terminal). */
export class ProgressBar {
  private lastDrawMs = 0;
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(done: number, note = ''): void {
    const now = performance.now();
    if (now - this.lastDrawMs < 100 && done < this.total) return;
    this.lastDrawMs = now;
    const fraction = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const width = 30;
    const filled = Math.round(fraction * width);
    const elapsedS = (now - this.started) / 1000;
    const rate = elapsedS > 0 ? done / elapsedS : 0;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${(fraction * 100).toFixed(0)}% ${rate.toFixed(0)}/s ${note}`;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
    else if (done === this.total || Math.floor(fraction * 10) !== Math.floor(((done - 1) / Math.max(1, this.total)) * 10)) process.stderr.write(`${line}\n`);
  }

  done(): void {
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}
