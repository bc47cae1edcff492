package org.gfsj.fs.fuse;

import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.size_t;

/**
 * The parts of libfuse2 (fuse.h, fuse_lowlevel.h of 2.9) that fuse_main is made of: what
 * {@link FuseSession} needs to mount, receive and process requests on threads of its own, and
 * unmount. jnr-fuse binds only fuse_main. fuse_new is not here: a plain symbol lookup finds its
 * version-less compatibility entry point (libfuse 2.2's), so {@link FuseNew} calls the FUSE_2.6
 * one.
 */
public interface LibFuseSession {
  int fuse_parse_cmdline(Pointer args, PointerByReference mountpoint, IntByReference multithreaded,
      IntByReference foreground);

  Pointer fuse_mount(String mountpoint, Pointer args);

  Pointer fuse_get_session(Pointer fuse);

  Pointer fuse_session_next_chan(Pointer session, Pointer channel);

  @size_t long fuse_chan_bufsize(Pointer channel);

  int fuse_session_receive_buf(Pointer session, Pointer buf, Pointer channelRef);

  void fuse_session_process_buf(Pointer session, Pointer buf, Pointer channel);

  int fuse_session_exited(Pointer session);

  void fuse_session_exit(Pointer session);

  void fuse_unmount(String mountpoint, Pointer channel);

  void fuse_destroy(Pointer fuse);

  void fuse_opt_free_args(Pointer args);
}
