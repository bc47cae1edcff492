package org.gfsj.journal.log;

/**
 * The journal's owner, asked to write pinned blocks in place when the log runs out of room. The
 * owner writes them (from its buffer cache, newest committed contents only) and reports each with
 * {@link JournalWriter#writtenBack}; it may do so on another thread.
 */
@FunctionalInterface
public interface WriteBackRequester {
  /** Please write back every block pinned by transactions up to and including {@code sequence}. */
  void writeBackRequested(JournalWriter journal, long sequence);
}
