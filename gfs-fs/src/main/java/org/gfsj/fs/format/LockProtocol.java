package org.gfsj.fs.format;

/** How nodes coordinate, as named in the superblock and on mkfs.gfsj's command line. */
public enum LockProtocol {
  /** One node, locks granted in process. */
  NOLOCK("nolock"),
  /** The cluster: locks from gfs-lockd. */
  LOCKD("lockd");

  private final String diskName;

  LockProtocol(String diskName) {
    this.diskName = diskName;
  }

  /** The name stored in the superblock and typed by operators. */
  public String diskName() {
    return diskName;
  }

  /** The protocol named {@code name}, or null if there is none. */
  public static LockProtocol named(String name) {
    for (LockProtocol p : values()) {
      if (p.diskName.equals(name)) {
        return p;
      }
    }
    return null;
  }
}
