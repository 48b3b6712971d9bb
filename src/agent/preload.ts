// Entry of dist/agent.bundle.js, which the preload loads when QWEN_OTEL is on.
import { startAgent } from './agent';

startAgent();
