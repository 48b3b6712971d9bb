// The one place that names what the agents, the wrapper (bin/qwen-otel, sh) and the collector
// share: environment variables, the per-user state directory's entries and a session directory's
// files. test/session-layout.test.ts checks that bin/qwen-otel spells them the same way.

/** Environment variables that carry a session to every process of the CLI's tree. */
export const ENV = {
  /** The session directory: agents append their channel files there. */
  sessionDir: 'QWEN_OTEL_SESSION_DIR',
  sessionId: 'QWEN_OTEL_SESSION_ID',
  /** Set for qwen-otel's own processes (the collector) so the preload never instruments them. */
  observer: 'QWEN_OTEL_OBSERVER',
  /** Overrides where the per-user state (the shared collector, sessions, spool) lives. */
  stateDir: 'QWEN_OTEL_STATE_DIR',
} as const;

/** Entries of the per-user state directory (mode 0700). */
export const STATE = {
  /** One directory per live session (see SESSION). */
  sessions: 'sessions',
  /** `<pid> <start ticks> <build id>` of the running collector, written once it is ready. */
  collectorId: 'collector.id',
  /** The pid of a collector being started (made with O_EXCL: one starter among wrappers at once). */
  collectorStarting: 'collector.starting',
  /** The collector's lock: a Unix socket only one collector can bind. */
  collectorSocket: 'collector.sock',
  /** What the collector had to say when no terminal was listening (delivery retries, failures). */
  collectorLog: 'collector.log',
  /** Lines for the user that arrived after their run returned: the next `qwen-otel run` prints them. */
  pendingNotices: 'notices.pending',
  /** Final figures that could not be delivered within the deadline, for `qwen-otel flush`. */
  spool: 'spool',
  /** The wrapper's cached answer to "can env restore default signals?". */
  envProbe: 'env-default-signal',
} as const;

/** Files of one session directory. */
export const SESSION = {
  /** `NAME=value` lines (the session's settings and the SESSION_META keys), then a line `end`. */
  env: 'session.env',
  /**
   * `exit.<code>`: an empty file whose name is the CLI's exit code (128 + n after signal n),
   * made by the wrapper or the root agent. Empty, so that even a full disk takes it.
   */
  exitPrefix: 'exit.',
  /** The CLI's pid, written by the wrapper once it started it. */
  cliPid: 'cli.pid',
  /**
   * The loopback proxy's pid (`qwen-otel run --proxy`), written by the wrapper before the CLI
   * starts: its process is not the CLI's, and its model traffic lines are the CLI's.
   */
  proxyPid: 'proxy.pid',
  /** A FIFO the wrapper reads: the collector writes `done` once the record is written. */
  doneFifo: 'done.fifo',
  /** Written (empty) once the record is written: the wrapper checks it before waiting. */
  recordDone: 'record.done',
  /** Lines the wrapper prints on stderr after `done` (one per problem). */
  notices: 'notices',
  /** The pid of the collector serving the session (another one that finds it takes over). */
  owner: 'collector.owner',
  /** The collector's state, for crash recovery and hand-over (JSON, replaced whole). */
  checkpoint: 'checkpoint.json',
  /** Where this session's metrics are served, for scripts and the bench. */
  metricsUrl: 'metrics.url',
  /**
   * `relaunched.<parent pid>`, holding the pid of the process that is that parent's program run
   * again (Qwen Code's relaunch); written only when exit snapshots are asked for.
   */
  relaunchedPrefix: 'relaunched.',
} as const;

/** Keys of session.env that describe the session rather than configure it. */
export const SESSION_META = {
  mode: 'QWEN_OTEL_SESSION_MODE',
  rootPid: 'QWEN_OTEL_SESSION_ROOT_PID',
  command: 'QWEN_OTEL_SESSION_COMMAND',
  /** The terminal the root process's stderr was (preload mode): notices are written there. */
  tty: 'QWEN_OTEL_SESSION_TTY',
} as const;

/** session.env ends with this line: a reader seeing no `end` yet waits (the writer is not done). */
export const SESSION_ENV_END = 'end';

/** The file that says a session's CLI has ended, and with which code. */
export const EXIT_FILE = /^exit\.(\d{1,3})$/;

/** An agent's channel file: p<pid>.<segment>.jsonl; a hook's line: h<pid>.0.jsonl. */
export const CHANNEL_FILE = /^(([ph])(\d+))\.(\d+)\.jsonl$/;

export type SessionMode = 'run' | 'sidecar';
