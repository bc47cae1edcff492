package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.DirectoryEntryView;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.gfsj.fs.vfs.SetAttributes;
import org.gfsj.fs.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random operations on the Vfs and on an in-memory model of the tree and the file contents side
 * by side: each operation must succeed or fail with the errno the model predicts, and the whole
 * tree is compared now and then and after remounts. A few thousand operations here; the FUSE
 * suite runs the long version through a mount.
 */
@Timeout(120)
class ModelExerciserTest {
  private static final Caller ROOT = Caller.ROOT;
  private static final String[] NAMES = {"a", "b", "c", "d", "e", "f"};

  @TempDir Path dir;

  /** A node of the model: a directory with children, or a file with contents. */
  private static final class Node {
    final boolean directory;
    final TreeMap<String, Node> children = new TreeMap<>();
    byte[] data = new byte[0];
    long ino;

    Node(boolean directory) {
      this.directory = directory;
    }
  }

  private GfsMount fs;
  private Node root;
  private final Map<Node, Node> parents = new IdentityHashMap<>();

  @Test
  void vfsAgreesWithTheModel() throws Exception {
    Path image = TestFilesystems.image(dir, 64);
    fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions());
    root = new Node(true);
    root.ino = fs.root();
    Random r = new Random(7);
    int ops = 3000;
    try {
      for (int i = 0; i < ops; i++) {
        step(r, i);
        if (i % 250 == 249) {
          compare(root, fs.root());
        }
        if (i % 1000 == 999) {
          fs.close();
          fs = GfsMount.open(image.toString(), TestFilesystems.mountOptions());
          compare(root, fs.root());
        }
      }
      TreeCheck.check(fs);
    } finally {
      fs.close();
    }
  }

  private List<Node> all(boolean directories) {
    List<Node> out = new ArrayList<>();
    collect(root, directories, out);
    return out;
  }

  private void collect(Node n, boolean directories, List<Node> out) {
    if (n.directory == directories) {
      out.add(n);
    }
    for (Node c : n.children.values()) {
      if (c.directory) {
        collect(c, directories, out);
      } else if (!directories && !out.contains(c)) {
        out.add(c);
      }
    }
  }

  private static <T> T pick(Random r, List<T> list) {
    return list.get(r.nextInt(list.size()));
  }

  private void expect(Errno errno, String what, FsCall call) throws Exception {
    try {
      call.run();
      assertEquals(null, errno, what + " succeeded");
    } catch (FsException e) {
      assertEquals(errno, e.errno(), what + ": " + e.getMessage());
    }
  }

  @FunctionalInterface
  private interface FsCall {
    void run() throws Exception;
  }

  private void step(Random r, int i) throws Exception {
    List<Node> dirs = all(true);
    List<Node> files = all(false);
    Node d = pick(r, dirs);
    String name = NAMES[r.nextInt(NAMES.length)];
    Node existing = d.children.get(name);
    switch (r.nextInt(files.isEmpty() ? 3 : 10)) {
      case 0 -> {
        expect(existing == null ? null : Errno.EEXIST, "mknod " + name, () -> {
          long ino = fs.mknod(d.ino, name, 0100644, 0, ROOT).ino();
          Node f = new Node(false);
          f.ino = ino;
          d.children.put(name, f);
        });
      }
      case 1 -> expect(existing == null ? null : Errno.EEXIST, "mkdir " + name, () -> {
        long ino = fs.mkdir(d.ino, name, 0755, ROOT).ino();
        Node n = new Node(true);
        n.ino = ino;
        d.children.put(name, n);
        parents.put(n, d);
      });
      case 2 -> {
        Errno e = existing == null ? Errno.ENOENT : !existing.directory ? Errno.ENOTDIR
            : existing.children.isEmpty() ? null : Errno.ENOTEMPTY;
        expect(e, "rmdir " + name, () -> {
          fs.rmdir(d.ino, name, ROOT);
          d.children.remove(name);
        });
      }
      case 3, 4 -> {
        Node f = pick(r, files);
        long offset = r.nextInt(4) == 0 ? r.nextInt(200_000) : r.nextInt(9000);
        byte[] data = new byte[1 + r.nextInt(r.nextBoolean() ? 300 : 12_000)];
        r.nextBytes(data);
        fs.write(f.ino, Vfs.NO_HANDLE, offset, ByteBuffer.wrap(data), ROOT);
        if (f.data.length < offset + data.length) {
          f.data = Arrays.copyOf(f.data, (int) offset + data.length);
        }
        System.arraycopy(data, 0, f.data, (int) offset, data.length);
      }
      case 5 -> {
        Node f = pick(r, files);
        int size = r.nextInt(3) == 0 ? 0 : r.nextInt(r.nextBoolean() ? 4000 : 100_000);
        fs.setattr(f.ino, SetAttributes.size(size), ROOT);
        f.data = Arrays.copyOf(f.data, size);
      }
      case 6 -> {
        Errno e = existing == null ? Errno.ENOENT : existing.directory ? Errno.EISDIR : null;
        expect(e, "unlink " + name, () -> {
          fs.unlink(d.ino, name, ROOT);
          d.children.remove(name);
        });
      }
      case 7 -> {
        Node f = pick(r, files);
        expect(existing == null ? null : Errno.EEXIST, "link " + name, () -> {
          fs.link(f.ino, d.ino, name, ROOT);
          d.children.put(name, f);
        });
      }
      case 8 -> {
        Node f = pick(r, files);
        int offset = r.nextInt(30_000);
        int length = 1 + r.nextInt(20_000);
        int end = offset + length;
        boolean keepSize = r.nextBoolean();
        int mode = switch (r.nextInt(3)) {
          case 0 -> Vfs.FALLOC_PUNCH_HOLE | Vfs.FALLOC_KEEP_SIZE;
          case 1 -> Vfs.FALLOC_ZERO_RANGE | (keepSize ? Vfs.FALLOC_KEEP_SIZE : 0);
          default -> keepSize ? Vfs.FALLOC_KEEP_SIZE : 0; // unwritten blocks, read as zeros
        };
        fs.fallocate(f.ino, mode, offset, length, ROOT);
        if ((mode & (Vfs.FALLOC_PUNCH_HOLE | Vfs.FALLOC_ZERO_RANGE)) != 0 && offset < f.data.length) {
          Arrays.fill(f.data, offset, Math.min(f.data.length, end), (byte) 0);
        }
        if ((mode & Vfs.FALLOC_KEEP_SIZE) == 0 && end > f.data.length) {
          f.data = Arrays.copyOf(f.data, end);
        }
      }
      default -> rename(r, d, name);
    }
  }

  private void rename(Random r, Node from, String fromName) throws Exception {
    Node to = pick(r, all(true));
    String toName = NAMES[r.nextInt(NAMES.length)];
    Node src = from.children.get(fromName);
    Node dst = to.children.get(toName);
    Errno e = null;
    if (src == null) {
      e = Errno.ENOENT;
    } else if (src == dst) {
      e = null;
    } else if (src.directory && isInside(to, src)) {
      e = Errno.EINVAL;
    } else if (dst != null && dst.directory && isInside(from, dst)) {
      e = Errno.ENOTEMPTY;
    } else if (dst != null && src.directory && !dst.directory) {
      e = Errno.ENOTDIR;
    } else if (dst != null && !src.directory && dst.directory) {
      e = Errno.EISDIR;
    } else if (dst != null && dst.directory && !dst.children.isEmpty()) {
      e = Errno.ENOTEMPTY;
    }
    Errno expected = e;
    expect(expected, "rename " + fromName + " -> " + toName, () -> {
      fs.rename(from.ino, fromName, to.ino, toName, 0, ROOT);
      if (src != dst) {
        from.children.remove(fromName);
        to.children.put(toName, src);
        if (src.directory) {
          parents.put(src, to);
        }
      }
    });
  }

  private boolean isInside(Node dir, Node ancestor) {
    for (Node at = dir; at != null; at = parents.get(at)) {
      if (at == ancestor) {
        return true;
      }
    }
    return false;
  }

  private void compare(Node model, long ino) throws Exception {
    TreeSet<String> names = new TreeSet<>();
    Map<String, DirectoryEntryView> found = new HashMap<>();
    for (DirectoryEntryView e : fs.readdir(ino, 0, 10_000, ROOT)) {
      if (!e.name().equals(".") && !e.name().equals("..")) {
        names.add(e.name());
        found.put(e.name(), e);
      }
    }
    assertEquals(model.children.navigableKeySet(), names, "entries of inode " + ino);
    for (Map.Entry<String, Node> c : model.children.entrySet()) {
      Node n = c.getValue();
      assertEquals(n.ino, found.get(c.getKey()).ino(), c.getKey());
      if (n.directory) {
        compare(n, n.ino);
      } else {
        assertEquals(n.data.length, fs.getattr(n.ino).size(), "size of " + c.getKey());
        ByteBuffer b = ByteBuffer.allocate(n.data.length);
        fs.read(n.ino, Vfs.NO_HANDLE, 0, b);
        assertArrayEquals(n.data, b.array(), "contents of " + c.getKey());
      }
    }
    assertTrue(true);
  }
}
