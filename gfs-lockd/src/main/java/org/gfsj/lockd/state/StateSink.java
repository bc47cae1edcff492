package org.gfsj.lockd.state;

/** Where snapshot records go: a RocksDB write batch, or a digest when comparing replicas. */
public interface StateSink {

  /** Keys sort in the order the records must be read back. */
  void put(byte[] key, byte[] value);

  record Entry(byte[] key, byte[] value) {}
}
