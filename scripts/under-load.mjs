// `npm run test:under-load`: the suite must pass on a busy machine. Starts CPU-bound busy loops
// (default 2, one per core of our CI machines), runs the whole suite, stops them; several times.
//   --rounds N   how many full runs (default 5)      --hogs N   busy loops beside each (default 2)
import { spawn, spawnSync } from 'node:child_process';

const flag = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = flag('--rounds', 5);
const hogCount = flag('--hogs', 2);
let passed = 0;
for (let round = 1; round <= rounds; round += 1) {
  const hogs = Array.from({ length: hogCount }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  process.stderr.write(`test:under-load: round ${round}/${rounds}, ${hogCount} CPU hogs running\n`);
  const began = Date.now();
  const run = spawnSync('npx', ['vitest', 'run'], { stdio: 'inherit' });
  for (const hog of hogs) hog.kill('SIGKILL');
  const ok = run.status === 0;
  if (ok) passed += 1;
  process.stderr.write(
    `test:under-load: round ${round}: ${ok ? 'passed' : `FAILED (exit ${run.status})`} in ${Math.round((Date.now() - began) / 1000)} s\n`,
  );
}
process.stderr.write(`test:under-load: ${passed}/${rounds} full runs passed beside ${hogCount} CPU hogs\n`);
process.exitCode = passed === rounds ? 0 : 1;
