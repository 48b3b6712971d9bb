// PSS in the run record, from real smaps_rollup reads: the tree's peak and each process's, which
// a parent and a child sharing Node's pages split between them (PSS <= RSS, USS <= PSS). The run
// lasts past the reads' 5 s minimum gap, so the child, started after the first read, is read too.
import { describe, expect, it } from 'vitest';
import { readRecords, runWrapped, sandbox, writeScript } from './helpers/e2e';

const PARENT = `
const { spawn } = require('node:child_process');
const held = Buffer.alloc(48 * 1048576, 1);
const child = spawn(process.execPath, [__dirname + '/child.js'], { stdio: 'inherit' });
child.on('exit', (code) => { console.log('parent', held.length > 0, code); });
`;
const CHILD = "const held = Buffer.alloc(32 * 1048576, 2); setTimeout(() => console.log('child', held.length > 0), 9000);";

describe('PSS in the record', () => {
  it("has the tree's peak and each process's, each within its RSS, the processes' peaks adding up to at least the tree's", async () => {
    const box = sandbox('pss');
    writeScript(box.dir, 'child.js', CHILD);
    const result = await runWrapped([process.execPath, writeScript(box.dir, 'parent.js', PARENT)], box.env);
    expect(result.stdout).toBe('child true\nparent true 0\n');
    const [record] = readRecords(box.recordFile);
    expect(record.tree.pss_reads).toBeGreaterThan(0);
    expect(record.tree.pss_peak_bytes).toBeGreaterThan(0);
    const nodes = record.processes.filter((p: any) => p.name === 'node');
    expect(nodes).toHaveLength(2);
    for (const p of nodes) {
      expect(p.pss_peak_bytes).toBeGreaterThan(0);
      expect(p.pss_peak_bytes).toBeLessThanOrEqual(p.hwm_bytes);
      expect(p.uss_at_pss_peak_bytes).toBeLessThanOrEqual(p.pss_peak_bytes);
    }
    const summed = nodes.reduce((sum: number, p: any) => sum + p.pss_peak_bytes, 0);
    expect(summed).toBeGreaterThanOrEqual(record.tree.pss_peak_bytes);
  }, 60_000);
});
