package org.gfsj.journal.log;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One atomic change to the shared disk: new images of some blocks, and revokes of others (blocks
 * freed since they were logged, so that replay must not bring an old image back over their new
 * use). Later changes to the same block win: logging a revoked block cancels the revoke, revoking
 * a logged block drops the image.
 *
 * <p>The journal reads each image when it writes the log, which may be after {@code commit} was
 * called: the caller hands it over and leaves it unchanged until the commit returns.
 */
public final class Transaction {
  private final Map<Long, ByteBuffer> images = new LinkedHashMap<>();
  private final Set<Long> revokes = new LinkedHashSet<>();
  private boolean orderedData;

  /** Logs a new image of {@code block}; one block's worth of bytes from its position. */
  public Transaction log(long block, ByteBuffer image) {
    revokes.remove(block);
    images.put(block, image);
    return this;
  }

  /** Revokes {@code block}: no earlier image of it is replayed. */
  public Transaction revoke(long block) {
    images.remove(block);
    revokes.add(block);
    return this;
  }

  /**
   * Says that the caller wrote file data in place that this transaction's metadata points to
   * (ordered mode): the journal makes those writes durable before it writes the log, so that no
   * disk that reorders writes can keep the commit and lose the data, which would expose stale
   * blocks through a committed file.
   */
  public Transaction orderedData() {
    this.orderedData = true;
    return this;
  }

  public boolean hasOrderedData() {
    return orderedData;
  }

  /** Adds every change of {@code later} after this one's. */
  Transaction absorb(Transaction later) {
    later.images.forEach(this::log);
    later.revokes.forEach(this::revoke);
    orderedData |= later.orderedData;
    return this;
  }

  public Map<Long, ByteBuffer> images() {
    return Collections.unmodifiableMap(images);
  }

  public Set<Long> revokes() {
    return Collections.unmodifiableSet(revokes);
  }

  public boolean isEmpty() {
    return images.isEmpty() && revokes.isEmpty() && !orderedData;
  }

  /** How many log blocks this transaction takes: descriptors, images, revoke blocks, commit. */
  int logBlocks(int blockSize) {
    return logBlocks(images.size(), revokes.size(), blockSize);
  }

  /** How many log blocks a transaction of {@code images} images and {@code revokes} revokes takes. */
  public static int logBlocks(int images, int revokes, int blockSize) {
    int perDescriptor = LogLayout.descriptorCapacity(blockSize);
    int perRevoke = LogLayout.revokeCapacity(blockSize);
    int descriptors = (images + perDescriptor - 1) / perDescriptor;
    int revokeBlocks = (revokes + perRevoke - 1) / perRevoke;
    return descriptors + images + revokeBlocks + 1;
  }
}
