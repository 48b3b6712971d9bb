import { readFileSync } from 'node:fs';

/**
 * Qwen and Gemini end each shell result with "Process Group PGID: <pid>". Between two runs that pid
 * may have any width from the smallest pid the kernel hands out after a wrap (300, three digits)
 * to the widest below pid_max: with the common pid_max of 32768 pids wrap often during a CI run,
 * so a result may shrink or grow by two bytes, not just one across a power of ten.
 */
function pidWidthSpread(): number {
  let pidMax = 4_194_304;
  try {
    pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim()) || pidMax;
  } catch {
    // Not Linux: keep the kernel's widest default.
  }
  const smallestAfterWrap = 300;
  return Math.max(1, String(pidMax - 1).length - String(smallestAfterWrap).length);
}

/** Bytes by which one shell tool result carrying a pid may differ between two runs. */
export const PID_DIGIT_SLACK = pidWidthSpread();
