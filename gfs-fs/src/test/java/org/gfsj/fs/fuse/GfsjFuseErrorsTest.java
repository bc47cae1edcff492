package org.gfsj.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.junit.jupiter.api.Test;

/** What native code gets back from a callback: a result or -errno, never an exception. */
class GfsjFuseErrorsTest {
  @Test
  void fsExceptionsBecomeTheirNegativeErrno() {
    for (Errno e : Errno.values()) {
      assertEquals(-e.code(), GfsjFuse.call("op", "/p", () -> {
        throw new FsException(e, "test");
      }));
    }
  }

  @Test
  void anyOtherFailureBecomesEio() {
    assertEquals(-5, GfsjFuse.call("op", "/p", () -> {
      throw new IllegalStateException("a bug");
    }));
    assertEquals(-5, GfsjFuse.call("op", null, () -> {
      throw new java.io.UncheckedIOException(new java.io.IOException("disk"));
    }));
    assertEquals(-5, GfsjFuse.call("op", "/p", () -> {
      throw new StackOverflowError();
    }));
  }

  @Test
  void resultsPassThrough() {
    assertEquals(4096, GfsjFuse.call("read", "/p", () -> 4096));
  }

  @Test
  void chownMinusOneLeavesTheIdAlone() {
    assertNull(GfsjFuse.id(0xFFFF_FFFFL));
    assertNull(GfsjFuse.id(-1));
    assertEquals(1000, GfsjFuse.id(1000));
  }
}
