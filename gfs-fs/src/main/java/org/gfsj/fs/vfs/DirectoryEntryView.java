package org.gfsj.fs.vfs;

import org.gfsj.fs.format.FileType;

/**
 * One entry of a directory listing. {@code nextCookie} is the cookie that resumes the listing
 * right after this entry: stable while other entries are added and removed, so that NFS and FUSE
 * resume where they stopped without skipping or repeating an entry that stayed.
 */
public record DirectoryEntryView(String name, long ino, FileType type, long nextCookie) {}
