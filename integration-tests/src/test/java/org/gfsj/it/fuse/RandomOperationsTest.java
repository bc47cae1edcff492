package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The random-operation exerciser: reads, writes at random offsets, appends, truncates, renames,
 * links, unlinks, mkdirs, rmdirs, listings, fsyncs and remounts through a real mount, each
 * checked against {@link TreeModel}. A small namespace makes names collide often, so that
 * replacing renames, EEXIST and ENOTEMPTY come up. -Dgfsj.exerciser.ops and .seed override the
 * defaults; a failure names the seed and the last operations.
 */
class RandomOperationsTest {
  private static final int OPS = Integer.getInteger("gfsj.exerciser.ops", 100_000);
  private static final long SEED = Long.getLong("gfsj.exerciser.seed", System.nanoTime());
  private static final int REMOUNTS = 4;
  private static final String[] NAMES = {"a", "b", "c", "d", "e", "f"};
  private static final int MAX_FILE = 96 * 1024;
  private static final int MAX_DEPTH = 5;

  @TempDir Path tmp;
  private GfsjMounts mounts;
  private Path image;
  private Path mnt;
  private ProcessHandle server;
  private final TreeModel model = new TreeModel();
  private final Random rnd = new Random(SEED);
  private final Deque<String> recent = new ArrayDeque<>();
  /** Time spent per 5% slice of the operation mix, reported at the end to see what dominates. */
  private final java.util.Map<Integer, Long> nanosByKind = new java.util.TreeMap<>();

  @BeforeEach
  void mount() throws Exception {
    GfsjMounts.requireFuse();
    mounts = new GfsjMounts();
    image = Commands.sparseImage(tmp.resolve("image"), 1L << 30);
    Commands.mkfs(image);
    mnt = Files.createDirectory(tmp.resolve("mnt"));
    server = mounts.mount(image, mnt);
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (mounts != null) {
      mounts.close();
    }
  }

  @Test
  void theMountAgreesWithTheModelAfterEveryOperation() throws Exception {
    for (int i = 1; i <= OPS; i++) {
      try {
        step();
        if (i % (OPS / (REMOUNTS + 1)) == 0) {
          note("remount");
          GfsjMounts.umount(mnt, server);
          server = mounts.mount(image, mnt);
          compareWholeTree();
        }
      } catch (Throwable t) {
        throw new AssertionError("operation " + i + " of seed " + SEED + " (rerun with"
            + " -Dgfsj.exerciser.seed=" + SEED + "); last operations:\n  "
            + String.join("\n  ", recent), t);
      }
    }
    compareWholeTree();
    System.out.println("exerciser: " + OPS + " operations, seed " + SEED
        + "; ms per 5% slice of the mix: " + nanosByKind.entrySet().stream()
            .map(e -> e.getKey() * 5 + "-" + (e.getKey() * 5 + 4) + ": " + e.getValue() / 1_000_000)
            .collect(Collectors.joining(", ")));
  }

  private void note(String op) {
    recent.addLast(op);
    if (recent.size() > 25) {
      recent.removeFirst();
    }
  }

  private String anyPath() {
    List<String> dirs = model.dirs();
    String dir = dirs.get(rnd.nextInt(dirs.size()));
    String name = NAMES[rnd.nextInt(NAMES.length)];
    return dir.isEmpty() ? name : dir + "/" + name;
  }

  private String existingFile() {
    List<String> files = model.files();
    return files.isEmpty() ? null : files.get(rnd.nextInt(files.size()));
  }

  private Path real(String p) {
    return p.isEmpty() ? mnt : mnt.resolve(p);
  }

  private byte[] randomBytes(int max) {
    byte[] b = new byte[1 + rnd.nextInt(max)];
    rnd.nextBytes(b);
    return b;
  }

  private void step() throws IOException {
    int op = rnd.nextInt(100);
    long start = System.nanoTime();
    try {
      dispatch(op);
    } finally {
      nanosByKind.merge(op / 5, System.nanoTime() - start, Long::sum);
    }
  }

  private void dispatch(int op) throws IOException {
    if (op < 15) {
      create();
    } else if (op < 35) {
      write();
    } else if (op < 50) {
      read();
    } else if (op < 55) {
      truncate();
    } else if (op < 63) {
      rename();
    } else if (op < 67) {
      link();
    } else if (op < 75) {
      unlink();
    } else if (op < 82) {
      mkdir();
    } else if (op < 86) {
      rmdir();
    } else if (op < 95) {
      list();
    } else {
      fsync();
    }
  }

  private void create() throws IOException {
    String p = anyPath();
    note("create " + p);
    if (model.entries.containsKey(p)) {
      try {
        Files.createFile(real(p));
        throw new AssertionError("create of existing " + p + " succeeded");
      } catch (FileAlreadyExistsException expected) {
        return;
      }
    }
    Files.createFile(real(p));
    model.entries.put(p, new TreeModel.Content());
  }

  private void write() throws IOException {
    String p = existingFile();
    if (p == null) {
      return;
    }
    TreeModel.Content c = model.entries.get(p);
    byte[] data = randomBytes(rnd.nextBoolean() ? 512 : 16 * 1024);
    boolean append = rnd.nextInt(4) == 0;
    long at = append ? c.bytes.length : rnd.nextInt(MAX_FILE - data.length);
    note((append ? "append " : "write ") + p + " " + data.length + "@" + at);
    try (FileChannel ch = append
        ? FileChannel.open(real(p), StandardOpenOption.WRITE, StandardOpenOption.APPEND)
        : FileChannel.open(real(p), StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(data);
      while (b.hasRemaining()) {
        if (append) {
          ch.write(b);
        } else {
          ch.write(b, at + b.position());
        }
      }
    }
    c.write(at, data);
  }

  private void read() throws IOException {
    String p = existingFile();
    if (p == null) {
      return;
    }
    note("read " + p);
    assertArrayEquals(model.entries.get(p).bytes, Files.readAllBytes(real(p)), p);
  }

  private void truncate() throws IOException {
    String p = existingFile();
    if (p == null) {
      return;
    }
    int size = rnd.nextInt(MAX_FILE);
    note("truncate " + p + " " + size);
    try (FileChannel ch = FileChannel.open(real(p), StandardOpenOption.WRITE)) {
      if (size < ch.size()) {
        ch.truncate(size);
      } else if (size > ch.size()) {
        ch.write(ByteBuffer.allocate(1), size - 1); // extend: the gap reads as zeros
      }
    }
    model.entries.get(p).truncate(size);
  }

  private void rename() throws IOException {
    List<String> all = model.entries.keySet().stream().filter(s -> !s.isEmpty()).toList();
    if (all.isEmpty()) {
      return;
    }
    String from = all.get(rnd.nextInt(all.size()));
    String to = anyPath();
    note("rename " + from + " " + to);
    boolean fromDir = model.isDir(from);
    boolean intoItself = to.equals(from) || to.startsWith(from + "/");
    boolean targetExists = model.entries.containsKey(to);
    boolean ok = !intoItself
        && (!targetExists
            || (fromDir ? model.isDir(to) && model.children(to).isEmpty() : model.isFile(to)));
    if (to.equals(from) || depth(to) + subtreeDepth(from) - 1 > MAX_DEPTH) {
      return; // onto itself the JDK short-cuts it; deeper trees would make names rarely collide
    }
    try {
      Files.move(real(from), real(to), StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      assertTrue(ok, "rename " + from + " -> " + to + " should have failed");
      if (model.entries.get(from) == null || model.entries.get(from) != model.entries.get(to)) {
        model.rename(from, to); // two names of one file: rename(2) does nothing and succeeds
      }
    } catch (IOException e) {
      if (ok) {
        throw e;
      }
    }
  }

  private static int depth(String path) {
    return path.split("/").length;
  }

  /** How many levels {@code path} and what is below it span (1 for a file). */
  private int subtreeDepth(String path) {
    int d = 1;
    for (String p : model.entries.keySet()) {
      if (p.startsWith(path + "/")) {
        d = Math.max(d, depth(p) - depth(path) + 1);
      }
    }
    return d;
  }

  private void link() throws IOException {
    String p = existingFile();
    if (p == null) {
      return;
    }
    String to = anyPath();
    note("link " + p + " " + to);
    if (model.entries.containsKey(to)) {
      try {
        Files.createLink(real(to), real(p));
        throw new AssertionError("link onto existing " + to + " succeeded");
      } catch (FileAlreadyExistsException expected) {
        return;
      }
    }
    Files.createLink(real(to), real(p));
    model.entries.put(to, model.entries.get(p));
  }

  private void unlink() throws IOException {
    String p = existingFile();
    if (p == null) {
      return;
    }
    note("unlink " + p);
    Files.delete(real(p));
    model.entries.remove(p);
  }

  private void mkdir() throws IOException {
    String p = anyPath();
    note("mkdir " + p);
    if (model.entries.containsKey(p)) {
      try {
        Files.createDirectory(real(p));
        throw new AssertionError("mkdir of existing " + p + " succeeded");
      } catch (FileAlreadyExistsException expected) {
        return;
      }
    }
    if (depth(p) > MAX_DEPTH) {
      return; // keep the tree shallow enough for names to collide
    }
    Files.createDirectory(real(p));
    model.entries.put(p, null);
  }

  private void rmdir() throws IOException {
    List<String> dirs = model.dirs().stream().filter(s -> !s.isEmpty()).toList();
    if (dirs.isEmpty()) {
      return;
    }
    String d = dirs.get(rnd.nextInt(dirs.size()));
    note("rmdir " + d);
    if (!model.children(d).isEmpty()) {
      try {
        Files.delete(real(d));
        throw new AssertionError("rmdir of non-empty " + d + " succeeded");
      } catch (DirectoryNotEmptyException expected) {
        return;
      }
    }
    Files.delete(real(d));
    model.entries.remove(d);
  }

  private void list() throws IOException {
    List<String> dirs = model.dirs();
    String d = dirs.get(rnd.nextInt(dirs.size()));
    note("list " + d);
    Set<String> want = new TreeSet<>(model.children(d));
    Set<String> got;
    try (Stream<Path> s = Files.list(real(d))) {
      got = s.map(x -> mnt.relativize(x).toString()).collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(want, got, "listing of /" + d);
  }

  private void fsync() throws IOException {
    String p = existingFile();
    if (p == null) {
      return;
    }
    note("fsync " + p);
    try (FileChannel ch = FileChannel.open(real(p), StandardOpenOption.WRITE)) {
      ch.force(rnd.nextBoolean());
    }
  }

  private void compareWholeTree() throws IOException {
    Set<String> got;
    try (Stream<Path> s = Files.walk(mnt)) {
      got = s.map(x -> mnt.relativize(x).toString()).collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(model.entries.keySet(), got, "the whole tree");
    for (String f : model.files()) {
      assertArrayEquals(model.entries.get(f).bytes, Files.readAllBytes(real(f)), f);
    }
  }
}
