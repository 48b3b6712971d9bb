// How each variant of the observer-effect benchmark launches the same Qwen Code task.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export type VariantName = 'plain' | 'qwen-otel' | 'preload' | 'naive';
export const VARIANTS: VariantName[] = ['plain', 'qwen-otel', 'preload', 'naive'];

export interface Launch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

const DIST = path.join(__dirname, '..', '..');
const REPO = path.join(DIST, '..');

export function launch(variant: VariantName, qwen: string, args: string[], env: NodeJS.ProcessEnv): Launch {
  switch (variant) {
    case 'plain':
      return { command: qwen, args, env };
    case 'qwen-otel':
      return { command: path.join(REPO, 'bin', 'qwen-otel'), args: ['run', '--', qwen, ...args], env };
    case 'preload':
      return { command: qwen, args, env: { ...env, QWEN_OTEL: '1', NODE_OPTIONS: `--require ${path.join(DIST, 'register.js')}` } };
    case 'naive':
      return {
        command: qwen,
        args,
        env: { ...env, QWEN_OTEL_NAIVE: '1', NODE_OPTIONS: `--import ${pathToFileURL(path.join(__dirname, 'naive-preload.js')).href}` },
      };
  }
}
