package org.gfsj.fs.vfs;

import org.gfsj.fs.format.FileType;

/**
 * What stat(2) reports about an inode. {@code ino} is the dinode's block address and
 * {@code generation} tells apart successive inodes at one address (NFS file handles carry both).
 * Times are nanoseconds since the epoch.
 */
public record Attributes(
    long ino,
    long generation,
    int mode,
    int nlink,
    int uid,
    int gid,
    long rdev,
    long size,
    long blocks512,
    int blockSize,
    long atimeNanos,
    long mtimeNanos,
    long ctimeNanos) {

  public FileType type() {
    return FileType.ofMode(mode);
  }

  public boolean isDirectory() {
    return type() == FileType.DIRECTORY;
  }
}
