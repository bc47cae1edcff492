package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import jnr.ffi.LastError;
import jnr.ffi.Runtime;

/**
 * One open descriptor of /dev/fuse: the channel of a FUSE connection. Each read returns exactly
 * one request from the kernel; each write is exactly one reply (or notification). Several
 * threads may read and write one descriptor at once: the kernel hands each request to one reader.
 */
final class FuseDevice implements AutoCloseable {
  private static final String PATH = "/dev/fuse";

  private final FuseSyscalls libc;
  private final Runtime runtime;
  private final int fd;

  private FuseDevice(FuseSyscalls libc, int fd) {
    this.libc = libc;
    this.runtime = Runtime.getRuntime(libc);
    this.fd = fd;
  }

  static FuseDevice open(FuseSyscalls libc) throws IOException {
    int fd = libc.open(PATH, FuseSyscalls.O_RDWR | FuseSyscalls.O_CLOEXEC);
    if (fd < 0) {
      int errno = LastError.getLastError(Runtime.getRuntime(libc));
      throw new IOException("cannot open " + PATH + " (errno " + errno + "): load the fuse"
          + " kernel module (modprobe fuse) and run as root");
    }
    return new FuseDevice(libc, fd);
  }

  int fd() {
    return fd;
  }

  /** The native address of a direct buffer, for read and write. */
  long address(ByteBuffer direct) {
    return runtime.getMemoryManager().newPointer(direct).address();
  }

  /**
   * Reads the next request into the buffer at {@code address}; returns its length, or -1 once
   * the connection has ended (unmounted or aborted).
   */
  int read(long address, int capacity) throws IOException {
    while (true) {
      long n = libc.read(fd, address, capacity);
      if (n >= 0) {
        return (int) n;
      }
      int errno = LastError.getLastError(runtime);
      switch (errno) {
        case FuseSyscalls.EINTR, FuseSyscalls.EAGAIN, FuseSyscalls.ENOENT -> {
          // a signal, or a request interrupted before we could read it: read the next one
        }
        case FuseSyscalls.ENODEV -> {
          return -1;
        }
        default -> throw new IOException("reading " + PATH + " failed with errno " + errno);
      }
    }
  }

  /**
   * Writes one reply of {@code length} bytes at {@code address}. A reply to a request the kernel
   * has given up on (interrupted, ENOENT) or to a connection that has ended is dropped quietly.
   */
  void write(long address, int length) throws IOException {
    long n = libc.write(fd, address, length);
    if (n == length) {
      return;
    }
    int errno = LastError.getLastError(runtime);
    if (n < 0 && (errno == FuseSyscalls.ENOENT || errno == FuseSyscalls.ENODEV)) {
      return;
    }
    throw new IOException("writing a reply of " + length + " bytes to " + PATH + " failed"
        + (n < 0 ? " with errno " + errno : ": " + n + " bytes written"));
  }

  @Override
  public void close() {
    libc.close(fd);
  }
}
