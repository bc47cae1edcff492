package org.gfsj.fs;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.gfsj.fs.format.LockProtocol;

/**
 * How to mount: what mount.gfsj's {@code -o} options say.
 *
 * @param readOnly {@code ro}: nothing is written, not even the journal; a dirty journal is refused
 * @param atime when reads update the access time: {@code noatime}, {@code relatime} (default),
 *     {@code strictatime}
 * @param journal {@code journal=N}: the node slot whose journal this mount writes; -1 for the
 *     first slot
 * @param lockProtocol {@code lockproto=}: overrides the superblock's protocol (null: use it), as
 *     GFS2's lockproto= does, e.g. to mount a lockd filesystem alone with nolock for repair
 * @param nodeName {@code node=}: this node's name; it chooses the resource groups the node prefers
 * @param commitSeconds {@code commit=}: the longest a change waits in the running transaction
 *     before it is committed to the journal (default 1, shorter than ext4's 5 because sync(1)
 *     does not reach a libfuse2 server: only fsync does, and it commits at once)
 */
public record MountOptions(
    boolean readOnly, Atime atime, int journal, LockProtocol lockProtocol, String nodeName,
    int commitSeconds) {

  /** The commit interval when the options name none, in seconds. */
  public static final int DEFAULT_COMMIT_SECONDS = 1;

  /** When reads update the access time. */
  public enum Atime {
    NOATIME,
    /** Only when the access time is older than the modification or change time, or a day old. */
    RELATIME,
    STRICTATIME
  }

  public MountOptions {
    if (journal < -1) {
      throw new IllegalArgumentException("journal=" + journal + ": slots are numbered from 0");
    }
    if (nodeName == null || nodeName.isEmpty()) {
      throw new IllegalArgumentException("a node name is needed (node=NAME)");
    }
    if (commitSeconds < 1 || commitSeconds > 3600) {
      throw new IllegalArgumentException("commit=" + commitSeconds
          + ": give the commit interval in seconds, 1 to 3600");
    }
  }

  /** Read-write, relatime, the first journal, the superblock's protocol, the host's name. */
  public static MountOptions defaults() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "localhost";
    }
    return new MountOptions(false, Atime.RELATIME, -1, null, host, DEFAULT_COMMIT_SECONDS);
  }

  /**
   * Applies a comma-separated option string ({@code ro,noatime,journal=1}); options that are not
   * the filesystem's (FUSE's, mount(8)'s) must be removed by the caller first.
   */
  public MountOptions with(String options) {
    MountOptions o = this;
    for (String opt : options.split(",")) {
      String key = opt.contains("=") ? opt.substring(0, opt.indexOf('=')) : opt;
      String value = opt.contains("=") ? opt.substring(opt.indexOf('=') + 1) : null;
      o = switch (key) {
        case "" -> o;
        case "ro" -> o.withReadOnly(true);
        case "rw" -> o.withReadOnly(false);
        case "noatime" -> o.withAtime(Atime.NOATIME);
        case "relatime" -> o.withAtime(Atime.RELATIME);
        case "strictatime" -> o.withAtime(Atime.STRICTATIME);
        case "journal" -> o.withJournal(parseSlot(value));
        case "lockproto" -> o.withLockProtocol(protocol(value));
        case "node" -> o.withNodeName(value);
        case "commit" -> o.withCommitSeconds(parseSeconds(value));
        default -> throw new IllegalArgumentException("unknown mount option '" + opt + "'");
      };
    }
    return o;
  }

  private static int parseSlot(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException("journal=" + value + ": give a slot number");
    }
  }

  private static int parseSeconds(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException("commit=" + value + ": give the interval in seconds");
    }
  }

  private static LockProtocol protocol(String value) {
    LockProtocol p = value == null ? null : LockProtocol.named(value);
    if (p == null) {
      throw new IllegalArgumentException("lockproto=" + value + ": use nolock or lockd");
    }
    return p;
  }

  public MountOptions withReadOnly(boolean ro) {
    return new MountOptions(ro, atime, journal, lockProtocol, nodeName, commitSeconds);
  }

  public MountOptions withAtime(Atime a) {
    return new MountOptions(readOnly, a, journal, lockProtocol, nodeName, commitSeconds);
  }

  public MountOptions withJournal(int slot) {
    return new MountOptions(readOnly, atime, slot, lockProtocol, nodeName, commitSeconds);
  }

  public MountOptions withLockProtocol(LockProtocol p) {
    return new MountOptions(readOnly, atime, journal, p, nodeName, commitSeconds);
  }

  public MountOptions withNodeName(String name) {
    return new MountOptions(readOnly, atime, journal, lockProtocol, name, commitSeconds);
  }

  public MountOptions withCommitSeconds(int seconds) {
    return new MountOptions(readOnly, atime, journal, lockProtocol, nodeName, seconds);
  }
}
