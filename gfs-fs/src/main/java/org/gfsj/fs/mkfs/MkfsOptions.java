package org.gfsj.fs.mkfs;

import java.util.regex.Pattern;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.format.SuperBlock;

/**
 * What to make, in blocks; the command line converts from MiB.
 *
 * @param lockTable "cluster:fsname", required for lockd (lockd names the filesystem's locks with
 *     it and mounts check the cluster name); may be empty for nolock
 * @param overwrite make the filesystem even over one that is there (mkfs.gfs2 -O)
 */
public record MkfsOptions(
    int blockSize,
    LockProtocol protocol,
    String lockTable,
    int journals,
    long journalBlocks,
    long resourceGroupBlocks,
    boolean overwrite) {

  /** Cluster and filesystem name rules of mkfs.gfs2: 1-32 and 1-30 of [A-Za-z0-9_-]. */
  private static final Pattern LOCK_TABLE =
      Pattern.compile("[A-Za-z0-9_-]{1,32}:[A-Za-z0-9_-]{1,30}");

  public MkfsOptions {
    if (!SuperBlock.validBlockSize(blockSize)) {
      throw new IllegalArgumentException("block size " + blockSize + " is not a power of two from "
          + SuperBlock.MIN_BLOCK_SIZE + " to " + SuperBlock.MAX_BLOCK_SIZE);
    }
    if (protocol == LockProtocol.LOCKD && lockTable.isEmpty()) {
      throw new IllegalArgumentException("lock protocol lockd needs a lock table: -t cluster:fsname");
    }
    if (!lockTable.isEmpty() && !LOCK_TABLE.matcher(lockTable).matches()) {
      throw new IllegalArgumentException("lock table '" + lockTable + "' is not cluster:fsname"
          + " (cluster 1-32 and fsname 1-30 of letters, digits, '_' and '-')");
    }
    if (journals < 1) {
      throw new IllegalArgumentException("at least one journal is needed (-j)");
    }
    if (journalBlocks < 16) {
      throw new IllegalArgumentException("journals of " + journalBlocks + " blocks are too small");
    }
  }
}
