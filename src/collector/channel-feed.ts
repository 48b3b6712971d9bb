// The agents' channel of one session, read into its Session: at every tick when nothing tells us
// of new lines, else when the watched session directory says a file changed (an idle CLI's
// collector had spent a third of its CPU listing and reading an unchanged channel).
import type { AgentMessage } from '../channel/protocol';
import { ChannelReader } from '../channel/reader';
import type { Session } from '../session/session';

/** With the directory watched, the channel is still read this often (a watch can miss events, on a network filesystem say). */
const WATCHED_POLL_EVERY_MS = 5000;
/** At the end, polls of the agents' lines left (each bounded): what is still unread then is counted. */
const MAX_DRAIN_POLLS = 100;

export class ChannelFeed {
  readonly reader: ChannelReader;
  /** Messages read so far: a checkpoint is worth writing when this moved. */
  messagesRead = 0;
  private watched = false;
  private dirty = true;
  private lastPoll = 0;

  constructor(
    dir: string,
    private readonly session: Session,
  ) {
    this.reader = new ChannelReader(dir, true, session.drops);
  }

  /** The session directory is watched (or no longer is). */
  watching(watched: boolean): void {
    this.watched = watched;
    this.dirty = true;
  }

  /** A file in the session directory changed. */
  changed(): void {
    this.dirty = true;
  }

  /** At a tick: reads unless the watch says nothing was written since the last read. */
  pollIfDue(now: number): void {
    if (!this.watched || this.dirty || now - this.lastPoll >= WATCHED_POLL_EVERY_MS) this.poll();
  }

  /** `drain`: poll again while a bound stopped the last poll (at most MAX_DRAIN_POLLS times). */
  poll(drain = false): void {
    this.dirty = false;
    this.lastPoll = Date.now();
    for (let polls = 0; polls < (drain ? MAX_DRAIN_POLLS : 1); polls += 1) {
      const now = Date.now();
      for (const { pid, messages } of this.reader.poll()) this.apply(pid, messages, now);
      if (!this.reader.behind) return;
    }
    this.dirty = true;
  }

  private apply(pid: number, messages: AgentMessage[], now: number): void {
    this.messagesRead += messages.length;
    this.session.apply(pid, messages, now);
  }
}
