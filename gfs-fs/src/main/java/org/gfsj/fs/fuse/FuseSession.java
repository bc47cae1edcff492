package org.gfsj.fs.fuse;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * Mounts and serves a libfuse2 filesystem on Java threads: what fuse_main does, but with the
 * request loop ({@code fuse_session_receive_buf} / {@code fuse_session_process_buf}) run by
 * threads the JVM started.
 *
 * <p>Why: under fuse_main's multi-threaded loop, requests run on libfuse's own pthreads, and
 * jffi attaches such a thread to the JVM for each callback and detaches it afterwards (for its
 * first thousand calls): a Java thread is made and destroyed per request, which cost more than
 * GFSJ's own work on a create. A JVM thread that calls into libfuse is attached already, so its
 * callbacks cost a JNI upcall and nothing more. The threads share the one /dev/fuse channel, as
 * libfuse's own workers do; the kernel hands each request to one of them.
 */
final class FuseSession {
  private static final Logger LOG = LoggerFactory.getLogger(FuseSession.class);
  /** Workers of the multi-threaded loop; a request that waits (fsync) holds up only its own. */
  static final int WORKERS = 8;
  // struct fuse_args { int argc; char **argv; int allocated; }
  private static final int ARGS_SIZE = 24;
  // struct fuse_buf { size_t size; enum flags; void *mem; int fd; off_t pos; }
  private static final int BUF_SIZE = 40;
  private static final int BUF_MEM = 16;

  private final LibFuseSession lib;
  private final Runtime runtime;
  private final FuseOperations operations;
  private final AtomicBoolean initialised = new AtomicBoolean();

  FuseSession(FuseOperations operations) {
    this.lib = LibraryLoader.create(LibFuseSession.class).load("fuse");
    this.runtime = Runtime.getRuntime(lib);
    this.operations = operations;
  }

  /**
   * Mounts with fuse_main's command line {@code argv} (program name first) and serves until the
   * directory is unmounted; runs {@code afterInit} once the kernel has the INIT reply. Returns 0
   * after a clean unmount, 1 when the mount failed (libfuse has
   * printed why on stderr).
   */
  int run(List<String> argv, Runnable afterInit) {
    // the strings stay reachable (and their native memory alive) while libfuse may read them
    List<Pointer> strings = new ArrayList<>();
    Pointer argvArray = Memory.allocateDirect(runtime, (argv.size() + 1) * 8, true);
    for (int i = 0; i < argv.size(); i++) {
      Pointer s = Memory.allocateDirect(runtime, argv.get(i).getBytes(StandardCharsets.UTF_8).length + 1, true);
      s.putString(0, argv.get(i), argv.get(i).getBytes(StandardCharsets.UTF_8).length + 1, StandardCharsets.UTF_8);
      strings.add(s);
      argvArray.putPointer(i * 8L, s);
    }
    Pointer args = Memory.allocateDirect(runtime, ARGS_SIZE, true);
    args.putInt(0, argv.size());
    args.putPointer(8, argvArray);
    PointerByReference mountPointRef = new PointerByReference();
    IntByReference multithreaded = new IntByReference();
    IntByReference foreground = new IntByReference();
    try {
      if (lib.fuse_parse_cmdline(args, mountPointRef, multithreaded, foreground) != 0) {
        LOG.error("libfuse refused the command line {}", argv);
        return 1;
      }
      Pointer mp = mountPointRef.getValue();
      if (mp == null) {
        LOG.error("no mount point in {}", argv);
        return 1;
      }
      String mountPoint = mp.getString(0);
      Pointer channel = lib.fuse_mount(mountPoint, args);
      if (channel == null) {
        LOG.error("libfuse could not mount {} (its message is on stderr)", mountPoint);
        return 1;
      }
      Pointer table = FuseNew.copy(runtime, operations);
      Pointer fuse = new FuseNew().call(runtime, channel, args, table, Struct.size(operations));
      if (fuse == null) {
        LOG.error("libfuse refused the options of {} (its message is on stderr)", mountPoint);
        lib.fuse_unmount(mountPoint, channel);
        return 1;
      }
      try {
        Pointer session = lib.fuse_get_session(fuse);
        serve(session, multithreaded.getValue() != 0 ? WORKERS : 1, afterInit);
      } finally {
        lib.fuse_unmount(mountPoint, channel);
        lib.fuse_destroy(fuse);
        Reference.reachabilityFence(table);
      }
      return 0;
    } finally {
      // frees what libfuse's option parsing allocated in place of our argv (and nothing else)
      lib.fuse_opt_free_args(args);
      Reference.reachabilityFence(strings);
      Reference.reachabilityFence(argvArray);
    }
  }

  private void serve(Pointer session, int workers, Runnable afterInit) {
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      Thread t = new Thread(() -> loop(session, afterInit), "fuse-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        lib.fuse_session_exit(session);
        return;
      }
    }
  }

  /** One worker: receive a request, process it (the callbacks run here), until the session ends. */
  private void loop(Pointer session, Runnable afterInit) {
    Pointer channel = lib.fuse_session_next_chan(session, null);
    long bufferSize = lib.fuse_chan_bufsize(channel);
    Pointer buffer = Memory.allocateDirect(runtime, (int) bufferSize);
    Pointer request = Memory.allocateDirect(runtime, BUF_SIZE, true);
    Pointer from = Memory.allocateDirect(runtime, 8, true); // struct fuse_chan **
    while (lib.fuse_session_exited(session) == 0) {
      request.putLong(0, bufferSize);
      request.putPointer(BUF_MEM, buffer);
      from.putPointer(0, channel);
      int n = lib.fuse_session_receive_buf(session, request, from);
      if (n == -4) { // EINTR
        continue;
      }
      if (n <= 0) {
        if (n < 0) {
          LOG.error("reading /dev/fuse failed: errno {}; ending the session", -n);
        }
        lib.fuse_session_exit(session);
        break;
      }
      lib.fuse_session_process_buf(session, request, from.getPointer(0));
      // the first request is INIT, answered by now
      if (initialised.compareAndSet(false, true)) {
        afterInit.run();
      }
    }
  }
}
