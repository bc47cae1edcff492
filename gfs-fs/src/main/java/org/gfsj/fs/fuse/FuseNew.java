package org.gfsj.fs.fuse;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Type;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * libfuse2's {@code fuse_new} at symbol version FUSE_2.6. libfuse.so.2 also exports a
 * version-less {@code fuse_new} (the 2.2 compatibility call, with other arguments), and that is
 * the one dlsym, and so jnr-ffi, finds; dlvsym names the version.
 */
final class FuseNew {
  /** The two calls of libdl (in libc since glibc 2.34) that find a versioned symbol. */
  public interface Dl {
    Pointer dlopen(String file, int flags);

    Pointer dlvsym(Pointer handle, String symbol, String version);
  }

  private static final int RTLD_LAZY = 1;
  private static final CallContext SIGNATURE = CallContext.getCallContext(Type.POINTER,
      new Type[] {Type.POINTER, Type.POINTER, Type.POINTER, Type.UINT64, Type.POINTER},
      CallingConvention.DEFAULT, false);

  private final long address;

  FuseNew() {
    Dl dl = LibraryLoader.create(Dl.class).load("c");
    Pointer lib = dl.dlopen("libfuse.so.2", RTLD_LAZY);
    Pointer fn = lib == null ? null : dl.dlvsym(lib, "fuse_new", "FUSE_2.6");
    if (fn == null) {
      throw new IllegalStateException("libfuse.so.2 has no fuse_new@FUSE_2.6; install libfuse2"
          + " 2.6 or later (Debian: apt-get install libfuse2)");
    }
    this.address = fn.address();
  }

  /**
   * {@code struct fuse *fuse_new(chan, args, ops, sizeof ops, NULL)}; null when refused.
   * {@code nativeOperations} must be {@link #copy}'s, and stay alive while the session runs.
   */
  Pointer call(Runtime runtime, Pointer channel, Pointer args, Pointer nativeOperations,
      int size) {
    long fuse = Invoker.getInstance().invokeN5(SIGNATURE, address, channel.address(),
        args.address(), nativeOperations.address(), size, 0L);
    return fuse == 0 ? null : Pointer.wrap(runtime, fuse);
  }

  /**
   * The operations table in native memory: jnr-fuse keeps it in Java memory, which jnr copies
   * out only for the duration of a call it makes itself.
   */
  static Pointer copy(Runtime runtime, FuseOperations operations) {
    int size = Struct.size(operations);
    byte[] bytes = new byte[size];
    Struct.getMemory(operations).get(0, bytes, 0, size);
    Pointer table = Memory.allocateDirect(runtime, size, true);
    table.put(0, bytes, 0, size);
    return table;
  }
}
