package org.gfsj.fs.fuse;

import jnr.ffi.LibraryLoader;
import jnr.ffi.byref.IntByReference;

/**
 * The libc calls a FUSE server makes itself instead of through libfuse: open, read and write
 * of /dev/fuse, mount(2) and umount2(2). Buffers are passed as native addresses (of direct
 * ByteBuffers), so requests and replies move without a copy through the Java heap.
 */
public interface FuseSyscalls {
  int O_RDWR = 2;
  int O_CLOEXEC = 0x80000;

  int EINTR = 4;
  int ENOENT = 2;
  int EAGAIN = 11;
  int ENODEV = 19;
  int EPERM = 1;

  long MS_RDONLY = 1;
  long MS_NOSUID = 2;
  long MS_NODEV = 4;

  int MNT_DETACH = 2;

  /** {@code _IOR(229, 0, uint32_t)}: makes a new /dev/fuse descriptor serve an existing connection. */
  long FUSE_DEV_IOC_CLONE = 0x8004e500L;

  int open(String path, int flags);

  int close(int fd);

  long read(int fd, long buffer, long count);

  long write(int fd, long buffer, long count);

  int ioctl(int fd, long request, IntByReference argument);

  int mount(String source, String target, String type, long flags, String data);

  int umount2(String target, int flags);

  /** The C library of this process. */
  static FuseSyscalls load() {
    return LibraryLoader.create(FuseSyscalls.class).load("c");
  }
}
