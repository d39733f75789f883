// The machine and software a bench run measured.
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { versions } from './libs.mjs';

/** @param {import('playwright-core').Browser} [browser] */
export function systemInfo(browser) {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpu[0]?.model?.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: (totalmem() / 2 ** 30).toFixed(1),
    os: `${type()} ${release()}`,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    node: process.version,
    chromium: browser?.version() ?? 'n/a',
    packages: versions(),
  };
}
