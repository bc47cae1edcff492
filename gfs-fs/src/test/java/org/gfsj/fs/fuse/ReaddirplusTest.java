package org.gfsj.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.gfsj.fs.GfsMount;
import org.gfsj.fs.TestFilesystems;
import org.gfsj.fs.vfs.Vfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listing carries the entries' attributes, so a program that lists a directory and then stats
 * every name (ls -l, du, rsync) sends the server nothing more. Written files are the hard case:
 * under writeback caching the kernel forgets their block counts at close.
 */
class ReaddirplusTest {
  /** More names than one kernel readdir buffer holds, so the listing takes several requests. */
  private static final int FILES = 3000;

  @TempDir Path tmp;
  private GfsMount fs;
  private InProcessMount mount;
  private final AtomicInteger asked = new AtomicInteger();

  private Path mount(boolean readdirplusAuto) throws Exception {
    FuseAvailable.require();
    fs = GfsMount.open(TestFilesystems.image(tmp, 64).toString(), TestFilesystems.mountOptions());
    Path root = Files.createDirectory(tmp.resolve("mnt"));
    mount = InProcessMount.start(counting(fs), root,
        new FuseOptions("image", false, true, false, false, false, FuseOptions.MAX_WRITE, 0)
            .withReaddirplusAuto(readdirplusAuto));
    return root;
  }

  /** The Vfs, counting the getattr and lookup calls that do not come from a listing. */
  private Vfs counting(Vfs vfs) {
    return (Vfs) Proxy.newProxyInstance(Vfs.class.getClassLoader(), new Class<?>[] {Vfs.class},
        (proxy, method, args) -> {
          boolean listing = Stream.of(Thread.currentThread().getStackTrace())
              .anyMatch(f -> f.getClassName().equals(DirectoryReplies.class.getName()));
          if (!listing && (method.getName().equals("getattr") || method.getName().equals("lookup"))) {
            asked.incrementAndGet();
          }
          try {
            return method.invoke(vfs, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @AfterEach
  void unmount() throws Exception {
    if (mount != null) {
      mount.close();
    }
    if (fs != null) {
      fs.close();
    }
  }

  /** Writes the files, lists the directory, and counts what stat-ing every name asks. */
  private int statsAfterListing(Path root) throws Exception {
    Path dir = Files.createDirectory(root.resolve("d"));
    for (int i = 0; i < FILES; i++) {
      Files.writeString(dir.resolve("f" + i), "x".repeat(i % 5000));
    }
    try (Stream<Path> names = Files.list(dir)) {
      assertEquals(FILES, names.count());
    }
    asked.set(0);
    for (int i = 0; i < FILES; i++) {
      BasicFileAttributes a = Files.readAttributes(dir.resolve("f" + i), BasicFileAttributes.class);
      assertEquals(i % 5000, a.size());
    }
    return asked.get();
  }

  @Test
  void statsAfterAListingAskTheServerNothing() throws Exception {
    assertEquals(0, statsAfterListing(mount(false)));
  }

  @Test
  void withReaddirplusAutoTheKernelAsksForMostNamesAgain() throws Exception {
    int asked = statsAfterListing(mount(true));
    assertTrue(asked > FILES / 2, asked + " of " + FILES + " stats reached the server");
  }
}
