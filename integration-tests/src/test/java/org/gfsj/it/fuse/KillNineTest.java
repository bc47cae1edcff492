package org.gfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.gfsj.fs.fuse.MountTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety as a user meets it: a write workload through a real FUSE mount (a separate
 * {@code mount.gfsj -f} process) is cut by kill -9 of the server at a random moment; the next
 * mount replays the journal; every file fsync'd before the kill reads back whole, and after a
 * clean unmount {@code fsck.gfsj -n} finds nothing. Several rounds on one image, each with its own
 * seed, logged so that a failing round can be run again ({@code -Dgfsj.kill.seed=N}).
 */
@Timeout(300)
class KillNineTest {
  private static final int ROUNDS = 5;
  private static final int MAX_FILE = 192 * 1024;

  @TempDir Path tmp;
  private GfsjMounts mounts;
  private Path image;
  private Path mnt;
  /** Files fsync'd in some round and never changed after: their path and SHA-256. */
  private final Map<String, byte[]> synced = new LinkedHashMap<>();

  @BeforeEach
  void image() throws Exception {
    GfsjMounts.requireFuse();
    mounts = new GfsjMounts();
    image = Commands.sparseImage(tmp.resolve("image"), 1L << 30);
    Commands.mkfs(image);
    mnt = Files.createDirectory(tmp.resolve("mnt"));
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (mounts != null) {
      mounts.close();
    }
  }

  @Test
  void fsyncedFilesSurviveKillNineAndFsckFindsTheFilesystemClean() throws Exception {
    long base = Long.getLong("gfsj.kill.seed", System.nanoTime());
    for (int round = 0; round < ROUNDS; round++) {
      long seed = base + round;
      System.out.printf("KillNineTest round %d seed %d%n", round, seed);
      Random random = new Random(seed);
      Process server = serveInForeground(round);
      Workload w = new Workload(mnt.resolve("r" + round), random.nextLong());
      Thread writer = new Thread(w, "kill-9 workload " + round);
      writer.start();
      // at a random moment, once the workload is under way
      long killAfterMillis = 200 + random.nextInt(1500);
      assertTrue(MountTable.await(() -> w.operations.get() > 0 || !writer.isAlive(),
          GfsjMounts.DEADLINE), "the workload started");
      Thread.sleep(killAfterMillis);
      server.destroyForcibly(); // SIGKILL
      GfsjMounts.awaitExit(server.toHandle());
      writer.join(GfsjMounts.DEADLINE.toMillis());
      assertTrue(!writer.isAlive(), "the workload stopped on the dead mount");
      // auto_unmount cannot unmount while the workload still had a file open at the kill: then
      // the mount stays, dead, and is unmounted here as an administrator would
      if (!MountTable.awaitGfsjMount(mnt, false, Duration.ofSeconds(5))) {
        MountTable.unmount(mnt, true);
      }
      assertTrue(MountTable.awaitGfsjMount(mnt, false, GfsjMounts.DEADLINE),
          "the killed server's mount is gone");
      synced.putAll(w.synced);
      System.out.printf("KillNineTest round %d: killed after %d ms, %d operations, %d files"
          + " fsync'd in this round%n", round, killAfterMillis, w.operations.get(),
          w.synced.size());

      ProcessHandle replaying = mounts.mount(image, mnt);
      for (Map.Entry<String, byte[]> e : synced.entrySet()) {
        Path f = mnt.resolve(e.getKey());
        assertTrue(Files.exists(f), "seed " + seed + ": fsync'd file " + f + " is gone");
        assertArrayEquals(e.getValue(), sha256(Files.readAllBytes(f)),
            "seed " + seed + ": fsync'd file " + f + " lost its contents");
      }
      GfsjMounts.umount(mnt, replaying);
      Commands.Result fsck = Commands.run(Commands.java("org.gfsj.tools.fs.FsckCommand", "-n",
          image.toString()));
      assertTrue(fsck.status() == 0, "seed " + seed + ": fsck.gfsj -n after the replay: status "
          + fsck.status() + "\n" + fsck.output());
    }
  }

  private Process serveInForeground(int round) throws Exception {
    Process p = new ProcessBuilder(Commands.mountGfsj("-f", image.toString(), mnt.toString()))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("server-" + round + ".log").toFile())
        .start();
    mounts.adopt(mnt, p.toHandle());
    assertTrue(MountTable.await(() -> !p.isAlive() || live(mnt), GfsjMounts.DEADLINE));
    assertTrue(p.isAlive(), "mount.gfsj -f serves: "
        + Files.readString(tmp.resolve("server-" + round + ".log")));
    return p;
  }

  private static boolean live(Path dir) {
    try {
      return MountTable.isGfsjMounted(dir);
    } catch (IOException e) {
      return false;
    }
  }

  static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }

  /**
   * Creates, appends to, renames and unlinks files and makes directories until the mount dies;
   * about a third of the new files are written whole, fsync'd, and then left alone.
   */
  private final class Workload implements Runnable {
    final Path dir;
    final Random random;
    final AtomicInteger operations = new AtomicInteger();
    final Map<String, byte[]> synced = new LinkedHashMap<>();
    private final List<Path> loose = new ArrayList<>();

    Workload(Path dir, long seed) {
      this.dir = dir;
      this.random = new Random(seed);
    }

    @Override
    public void run() {
      try {
        Files.createDirectory(dir);
        Path sub = dir;
        for (int i = 0; ; i++) {
          int op = random.nextInt(100);
          if (op < 50 || loose.isEmpty()) {
            byte[] data = new byte[random.nextInt(MAX_FILE)];
            random.nextBytes(data);
            Path f = sub.resolve("f" + i);
            boolean sync = random.nextInt(3) == 0;
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
              ByteBuffer b = ByteBuffer.wrap(data);
              while (b.hasRemaining()) {
                ch.write(b);
              }
              if (sync) {
                ch.force(true);
              }
            }
            if (sync) {
              synced.put(mnt.relativize(f).toString(), sha256(data));
            } else {
              loose.add(f);
            }
          } else if (op < 65) {
            Path f = loose.get(random.nextInt(loose.size()));
            byte[] more = new byte[random.nextInt(16 * 1024)];
            random.nextBytes(more);
            Files.write(f, more, StandardOpenOption.APPEND);
          } else if (op < 75) {
            int k = random.nextInt(loose.size());
            Path to = sub.resolve("renamed" + i);
            Files.move(loose.get(k), to, StandardCopyOption.REPLACE_EXISTING);
            loose.set(k, to);
          } else if (op < 90) {
            Files.delete(loose.remove(random.nextInt(loose.size())));
          } else {
            sub = Files.createDirectory(dir.resolve("d" + i));
          }
          operations.incrementAndGet();
        }
      } catch (Exception e) {
        // the server was killed: ENOTCONN or EIO ends the workload
      }
    }
  }
}
