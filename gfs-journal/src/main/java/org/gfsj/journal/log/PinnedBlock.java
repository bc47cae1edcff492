package org.gfsj.journal.log;

/** A block whose newest image lives only in the log: it must be written in place before the log
 * space of its transaction ({@code sequence}) can be reused. */
public record PinnedBlock(long block, long sequence) {}
