package org.gfsj.lockd.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rocksdb.NativeLibraryLoader;
import org.rocksdb.RocksDB;

/**
 * Loads RocksDB's JNI library from a copy in the peer's data directory.
 *
 * <p>Left to itself, RocksDB copies its 15 MB library out of the jar into a new temporary file
 * on every start, and only a normal JVM exit removes it. A peer that is killed (by a fence
 * agent, the OOM killer, {@code kill -9}) leaves its copy in {@code java.io.tmpdir} for good:
 * a development machine running the test suite's crash tests had gathered 4,965 of them, 72 GB.
 * Given a directory, RocksDB copies under a fixed name there, replacing the previous copy, so
 * a peer keeps at most one, in its own data directory.
 */
final class RocksLibrary {
  /** A JVM loads a native library once, whichever peer of it asks first. */
  private static boolean loaded;

  private RocksLibrary() {}

  /** Loads the library, copied into {@code dir} unless this JVM has it already. */
  static synchronized void loadInto(Path dir) throws IOException {
    if (loaded) {
      return;
    }
    Files.createDirectories(dir);
    try {
      NativeLibraryLoader.getInstance().loadLibrary(dir.toString());
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new IOException("cannot load RocksDB's native library copied into " + dir + " ("
          + e.getMessage() + "); check that " + dir + " has free space and is not on a noexec"
          + " mount", e);
    }
    // Only records the version now: the library is in, so RocksDB copies nothing more.
    RocksDB.loadLibrary();
    loaded = true;
  }
}
