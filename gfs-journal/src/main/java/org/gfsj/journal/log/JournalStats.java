package org.gfsj.journal.log;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one journal writer, for benchmarks and metrics. */
public final class JournalStats {
  private final LongAdder commits = new LongAdder();
  private final LongAdder logTransactions = new LongAdder();
  private final LongAdder logBlocks = new LongAdder();
  private final LongAdder writeBackRequests = new LongAdder();
  private final LongAdder tailAdvances = new LongAdder();
  private final LongAdder dataFlushes = new LongAdder();

  void recordBatch(int callers, int blocks) {
    commits.add(callers);
    logTransactions.increment();
    logBlocks.add(blocks);
  }

  void recordWriteBackRequest() {
    writeBackRequests.increment();
  }

  void recordTailAdvance() {
    tailAdvances.increment();
  }

  void recordDataFlush() {
    dataFlushes.increment();
  }

  /** Callers' transactions made durable. */
  public long commits() {
    return commits.sum();
  }

  /** Log transactions written: each is one write and one flush, carrying one or more commits. */
  public long logTransactions() {
    return logTransactions.sum();
  }

  public long logBlocks() {
    return logBlocks.sum();
  }

  public long writeBackRequests() {
    return writeBackRequests.sum();
  }

  public long tailAdvances() {
    return tailAdvances.sum();
  }

  /** Flushes made before a log write so that ordered data is durable before its commit. */
  public long dataFlushes() {
    return dataFlushes.sum();
  }
}
