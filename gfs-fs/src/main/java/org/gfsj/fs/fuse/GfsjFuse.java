package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.file.Path;
import org.gfsj.fs.vfs.Vfs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FUSE front: serves a {@link Vfs} on a directory by speaking the kernel's FUSE protocol on
 * /dev/fuse itself, without libfuse.
 *
 * <p>Why not libfuse: libfuse2's path-based API gives each name of a hard link its own kernel
 * inode (so attributes could not be cached), costs three round trips per create, caps requests
 * at 128 KiB and cannot invalidate the kernel's caches; its callbacks ran on native threads that
 * had to be attached to the JVM. Here node ids are inode numbers, requests are up to 1 MiB, and
 * the thread that reads /dev/fuse is an ordinary Java thread ({@link FuseServer}).
 */
public final class GfsjFuse {
  private static final Logger LOG = LoggerFactory.getLogger(GfsjFuse.class);
  /** Threads serving requests, one of them reading at a time ({@link FuseServer}). */
  static final int THREADS = 8;

  private final Vfs vfs;
  private final SupplementaryGroups groups;
  private volatile FuseDispatcher dispatcher;

  public GfsjFuse(Vfs vfs) {
    this(vfs, SupplementaryGroups.ofSystem());
  }

  GfsjFuse(Vfs vfs, SupplementaryGroups groups) {
    this.vfs = vfs;
    this.groups = groups;
  }

  /**
   * Mounts on {@code mountPoint} and serves until the directory is unmounted (umount, fusermount
   * -u). Returns 0 after a clean unmount, 1 when the mount failed (the log says why). Closing the
   * Vfs is the caller's part.
   */
  public int serve(Path mountPoint, FuseOptions options) {
    FuseSyscalls libc = FuseSyscalls.load();
    try (FuseDevice device = FuseDevice.open(libc)) {
      FuseMount.mount(libc, device, mountPoint, options);
      LOG.info("serving {} on {}", options.device(), mountPoint);
      AutoUnmount watch = options.autoUnmount() ? AutoUnmount.watch(mountPoint) : null;
      try {
        serve(device, mountPoint, options);
      } finally {
        if (watch != null) {
          watch.close();
        }
      }
      return 0;
    } catch (IOException e) {
      LOG.error("{}", e.getMessage());
      return 1;
    }
  }

  private void serve(FuseDevice device, Path mountPoint, FuseOptions options) throws IOException {
    KernelCaching wanted = KernelCaching.of(options.entryTimeout(), options.attrTimeout(),
        options.writebackCache(), vfs.soleWriter());
    FuseWorker first = new FuseWorker(device, options.maxWrite());
    if (!first.next()) {
      throw new IOException("the kernel ended the connection of " + mountPoint
          + " before it began");
    }
    if (first.request().opcode() != FuseOpcode.INIT) {
      throw new IOException("the kernel's first request was opcode " + first.request().opcode()
          + ", not INIT");
    }
    FuseInit.Agreed agreed = FuseInit.answer(first.request(), first.reply(), options.maxWrite(),
        wanted.writeback(), options.readdirplusAuto());
    KernelCaching caching = new KernelCaching(wanted.entry(), wanted.attr(), agreed.writeback());
    LOG.info("FUSE 7.{} with flags 0x{}, requests up to {} KiB, names and attributes cached {} s,"
        + " writeback caching {}", agreed.minor(), Integer.toHexString(agreed.flags()),
        agreed.maxWrite() / 1024, caching.entry().toSeconds(),
        caching.writeback() ? "on" : "off");
    FuseDispatcher d = new FuseDispatcher(vfs, groups, caching, options.debug());
    dispatcher = d;
    FuseReadahead.apply(mountPoint, options.readaheadKb());
    new FuseServer(device, options.maxWrite(), options.singleThreaded() ? 1 : THREADS)
        .serve(first, d);
  }

  /** Files and directories the kernel holds open now. */
  public int openCount() {
    FuseDispatcher d = dispatcher;
    return d == null ? 0 : d.openCount();
  }
}
