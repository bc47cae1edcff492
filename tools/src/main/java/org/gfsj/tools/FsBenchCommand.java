package org.gfsj.tools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gfs-tool bench fs}: GFSJ through mount.gfsj beside fuse2fs on an ext4 image and kernel
 * ext4 on a loop device, images of one size in one run: sequential write and cold read of 1 GiB in
 * 1 MiB blocks, 4 KiB O_DIRECT random writes (fio), create / readdir / stat / unlink of 10,000
 * files and the untar of a tarball of /usr/share/doc made by the run itself.
 *
 * <p>Every mount, process, loop device and image it makes is registered before use and undone in
 * reverse order at the end, also on failure and on Ctrl-C (shutdown hook).
 */
@Command(
    name = "fs",
    mixinStandardHelpOptions = true,
    description = "Measure GFSJ through FUSE beside fuse2fs and kernel ext4 on loop, one node.")
final class FsBenchCommand implements Callable<Integer> {
  private static final int MIB = 1 << 20;
  private static final Pattern SERVED_BY = Pattern.compile("served by pid (\\d+)");
  private static final Pattern FIO_WRITE_IOPS =
      Pattern.compile("\"write\"\\s*:\\s*\\{[^{}]*?\"iops\"\\s*:\\s*([0-9.eE+]+)");

  @Option(names = "--dir", description = "Directory for the images and mount points"
      + " (default: ${DEFAULT-VALUE}).", defaultValue = "/var/tmp")
  Path dir;

  @Option(names = "--size-gb", description = "Size of each image in GiB (default: ${DEFAULT-VALUE}).",
      defaultValue = "4")
  int sizeGb;

  @Option(names = "--files", description = "Files to create, stat, list and unlink"
      + " (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
  int files;

  @Option(names = "--seq-mb", description = "MiB written and read sequentially"
      + " (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
  int seqMb;

  @Option(names = "--fio-seconds", description = "Seconds of fio random writes per filesystem"
      + " (default: ${DEFAULT-VALUE}).", defaultValue = "10")
  int fioSeconds;

  @Option(names = "--skip-untar", description = "Leave out the untar workload.")
  boolean skipUntar;

  @Option(names = "--no-threads-row", description = "Leave out the GFSJ creates/s row mounted"
      + " with fuse_threads=single.")
  boolean noThreadsRow;

  @Option(names = "--no-warm-up", description = "Time the create, readdir, stat and unlink"
      + " rounds on a freshly started server. Without it each filesystem first runs one untimed"
      + " round of the same size, so that a JVM's compiler has warmed up.")
  boolean noWarmUp;

  @Option(names = "--gfsj-options", description = "More mount options for GFSJ, such as"
      + " no_writeback_cache or attr_timeout=1 (default: none).", defaultValue = "")
  String gfsjOptions;

  @Option(names = "--bin", description = "Directory holding mkfs.gfsj and mount.gfsj"
      + " (default: the repository's bin/).")
  Path bin;

  /** Undo actions, run last-registered first, once. */
  private final Deque<Runnable> undo = new ArrayDeque<>();

  private enum Sys {
    GFSJ("GFSJ"), FUSE2FS("fuse2fs"), EXT4("ext4 on loop");

    final String label;

    Sys(String label) {
      this.label = label;
    }
  }

  /** A row: its unit, and the targets over fuse2fs and ext4 (0: none). */
  private record Row(String name, String unit, double vsFuse2fs, double vsExt4) {}

  private static final Row SEQ_WRITE = new Row("sequential write 1 MiB blocks + fsync", "MB/s", 5, 0.7);
  private static final Row SEQ_READ = new Row("sequential read 1 MiB blocks, cold", "MB/s", 1.5, 0.9);
  private static final Row RAND_WRITE = new Row("4 KiB random write O_DIRECT (fio psync)", "IOPS", 0, 0);
  private static final Row CREATE = new Row("create", "files/s", 8, 0);
  private static final Row READDIR = new Row("readdir", "entries/s", 0, 0);
  private static final Row STAT = new Row("stat", "files/s", 20, 0);
  private static final Row UNLINK = new Row("unlink", "files/s", 8, 0);
  private static final Row UNTAR = new Row("untar", "files/s", 0, 0);
  private static final Row CREATE_SINGLE =
      new Row("create, GFSJ fuse_threads=single (multi above)", "files/s", 8, 0);
  private static final Row FSYNCED = new Row("create + 4 KiB write + fsync, "
      + FsyncClients.THREADS + " threads", "files/s", 0, 0);
  private static final Row FSYNCED_SINGLE = new Row("create + 4 KiB write + fsync, "
      + FsyncClients.THREADS + " threads, GFSJ fuse_threads=single", "files/s", 0, 0);

  /** Results by row, then by system: a number, or a string saying why there is none. */
  private final Map<Row, Map<Sys, Object>> results = new LinkedHashMap<>();

  /** A mounted filesystem under test: how to unmount it, and how to mount it again. */
  private interface Mounted {
    void unmount() throws Exception;

    void remount() throws Exception;
  }

  @Override
  public Integer call() throws Exception {
    if (bin == null) {
      bin = repoBin();
    }
    Path runDir = Files.createTempDirectory(dir, "gfsj-bench-fs");
    undo.push(() -> deleteTree(runDir));
    Thread hook = new Thread(this::cleanUp, "bench fs clean-up");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      Path tarball = skipUntar ? null : makeTarball(runDir);
      int tarFiles = tarball == null ? 0 : countTar(tarball);
      System.out.printf("gfs-tool bench fs: %s, images of %d GiB in %s, %d files, %d MiB"
          + " sequential, fio %d s, untar of %d files, GFSJ mount options: %s; load average"
          + " before: %s%n", Instant.now(), sizeGb, runDir, files, seqMb, fioSeconds, tarFiles,
          gfsjOptions.isBlank() ? "defaults" : gfsjOptions, loadAverage());
      for (Sys s : Sys.values()) {
        runSystem(s, runDir, tarball, tarFiles);
      }
      System.out.printf("load average after: %s%n%n", loadAverage());
      print();
    } finally {
      cleanUp();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook runs anyway
      }
    }
    return 0;
  }

  private void runSystem(Sys s, Path runDir, Path tarball, int tarFiles) throws Exception {
    Path image = runDir.resolve(s.name().toLowerCase() + ".img");
    Path mnt = Files.createDirectory(runDir.resolve(s.name().toLowerCase() + ".mnt"));
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      ch.truncate(0);
      ch.write(ByteBuffer.allocate(1), ((long) sizeGb << 30) - 1);
    }
    List<String> mkfs = s == Sys.GFSJ
        ? List.of(bin.resolve("mkfs.gfsj").toString(), "-q", "-O", "-p", "nolock", image.toString())
        : List.of("mkfs.ext4", "-q", "-F", image.toString());
    run(mkfs, 120);
    System.out.printf("%s: mkfs done%n", s.label);
    Mounted m = mount(s, image, mnt, "multi");
    try {
      Path seq = mnt.resolve("seq");
      put(SEQ_WRITE, s, seqWrite(seq));
      m.remount();
      put(SEQ_READ, s, seqRead(seq));
      Files.delete(seq);
      put(RAND_WRITE, s, fio(mnt.resolve("rand")));
      Files.deleteIfExists(mnt.resolve("rand"));
      warmUp(mnt);
      Path d = Files.createDirectory(mnt.resolve("files"));
      put(CREATE, s, create(d));
      put(READDIR, s, readdir(d));
      put(STAT, s, stat(d));
      put(UNLINK, s, unlink(d));
      if (tarball != null) {
        put(UNTAR, s, untar(tarball, Files.createDirectory(mnt.resolve("untar")), tarFiles));
      }
      put(FSYNCED, s, FsyncClients.run(Files.createDirectory(mnt.resolve("fsynced")),
          Math.max(FsyncClients.THREADS, files / 10)));
      if (s == Sys.GFSJ && !noThreadsRow) {
        m.unmount();
        m = mount(s, image, mnt, "single");
        warmUp(mnt);
        Path d2 = Files.createDirectory(mnt.resolve("files-single"));
        put(CREATE_SINGLE, s, create(d2));
        unlink(d2);
        put(FSYNCED_SINGLE, s, FsyncClients.run(Files.createDirectory(
            mnt.resolve("fsynced-single")), Math.max(FsyncClients.THREADS, files / 10)));
      }
    } finally {
      m.unmount();
      Files.deleteIfExists(image);
    }
    System.out.printf("%s: done, %s%n", s.label, results.entrySet().stream()
        .filter(e -> e.getValue().containsKey(s))
        .map(e -> e.getKey().name() + "=" + fmt(e.getValue().get(s))).toList());
  }

  private void put(Row r, Sys s, Object v) {
    results.computeIfAbsent(r, k -> new LinkedHashMap<>()).put(s, v);
  }

  // ---- mounting ------------------------------------------------------------------------------

  private Mounted mount(Sys s, Path image, Path mnt, String threads) throws Exception {
    switch (s) {
      case GFSJ -> {
        return new Mounted() {
          long pid = mountGfsj(image, mnt, threads);

          @Override
          public void unmount() throws Exception {
            unmountFuse(mnt, pid);
          }

          @Override
          public void remount() throws Exception {
            unmount();
            dropCaches();
            pid = mountGfsj(image, mnt, threads);
          }
        };
      }
      case FUSE2FS -> {
        return new Mounted() {
          long pid = mountFuse2fs(image, mnt);

          @Override
          public void unmount() throws Exception {
            unmountFuse(mnt, pid);
          }

          @Override
          public void remount() throws Exception {
            unmount();
            dropCaches();
            pid = mountFuse2fs(image, mnt);
          }
        };
      }
      default -> {
        String loop = run(List.of("losetup", "-f", "--show", image.toString()), 30).trim();
        undo.push(() -> quiet(List.of("losetup", "-d", loop)));
        run(List.of("mount", "-t", "ext4", loop, mnt.toString()), 60);
        undo.push(() -> {
          if (isMounted(mnt)) {
            quiet(List.of("umount", mnt.toString()));
            if (isMounted(mnt)) {
              quiet(List.of("umount", "-l", mnt.toString()));
            }
          }
        });
        return new Mounted() {
          @Override
          public void unmount() throws Exception {
            if (isMounted(mnt)) {
              run(List.of("umount", mnt.toString()), 120);
            }
            quiet(List.of("losetup", "-d", loop));
          }

          @Override
          public void remount() throws Exception {
            run(List.of("umount", mnt.toString()), 120);
            dropCaches();
            run(List.of("mount", "-t", "ext4", loop, mnt.toString()), 60);
          }
        };
      }
    }
  }

  private long mountGfsj(Path image, Path mnt, String threads) throws Exception {
    String out;
    try {
      out = run(List.of(bin.resolve("mount.gfsj").toString(), "-v", "-o",
          "fuse_threads=" + threads + (gfsjOptions.isBlank() ? "" : "," + gfsjOptions),
          image.toString(), mnt.toString()), 120);
    } catch (Exception e) {
      undoMount(mnt);
      throw e;
    }
    Matcher m = SERVED_BY.matcher(out);
    if (!m.find()) {
      undoMount(mnt);
      throw new IOException("mount.gfsj -v did not name its serving process: " + out);
    }
    long pid = Long.parseLong(m.group(1));
    // undone in reverse: unmount first, then wait for (or stop) the server
    undoProcess(pid);
    undoMount(mnt);
    return pid;
  }

  private long mountFuse2fs(Path image, Path mnt) throws Exception {
    Process p = new ProcessBuilder("fuse2fs", "-f", "-o", "fakeroot,allow_other",
        image.toString(), mnt.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    undoProcess(p.pid());
    undoMount(mnt);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!isMounted(mnt)) {
      if (!p.isAlive()) {
        throw new IOException("fuse2fs exited with " + p.exitValue() + " before mounting");
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("fuse2fs did not mount " + mnt + " within 60 s");
      }
      Thread.sleep(20);
    }
    return p.pid();
  }

  /** umount, then waits for the server to write back and exit; fusermount -u / -uz if needed. */
  private void unmountFuse(Path mnt, long pid) throws Exception {
    if (isMounted(mnt)) {
      if (quiet(List.of("umount", mnt.toString())) != 0 && isMounted(mnt)) {
        if (quiet(List.of("fusermount", "-u", mnt.toString())) != 0 && isMounted(mnt)) {
          quiet(List.of("fusermount", "-uz", mnt.toString()));
        }
      }
    }
    if (!awaitExit(pid, 120)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /**
   * Waits for a process to end. A server that mount.gfsj or fuse2fs forked is not our child, and
   * whoever inherits it may reap it late: a zombie counts as ended, where ProcessHandle.onExit
   * would wait for the reaping.
   */
  private static boolean awaitExit(long pid, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (running(pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  private static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String state = stat.substring(stat.lastIndexOf(')') + 2).trim();
      return !state.startsWith("Z") && !state.startsWith("X");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private void undoMount(Path mnt) {
    undo.push(() -> {
      if (isMounted(mnt)) {
        if (quiet(List.of("fusermount", "-u", mnt.toString())) != 0 && isMounted(mnt)) {
          quiet(List.of("fusermount", "-uz", mnt.toString()));
        }
      }
    });
  }

  private void undoProcess(long pid) {
    undo.push(() -> {
      if (!awaitExit(pid, 30)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        if (!awaitExit(pid, 10)) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    });
  }

  private static boolean isMounted(Path mnt) {
    try {
      String want = " " + mnt.toAbsolutePath() + " ";
      return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.contains(want));
    } catch (IOException e) {
      return false;
    }
  }

  private static void dropCaches() throws Exception {
    run(List.of("sync"), 120);
    Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
  }

  // ---- workloads -----------------------------------------------------------------------------

  private double seqWrite(Path f) throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(MIB);
    byte[] random = new byte[MIB];
    new Random(1).nextBytes(random);
    buf.put(random);
    long t0 = System.nanoTime();
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      for (int i = 0; i < seqMb; i++) {
        buf.clear();
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      }
      long t1 = System.nanoTime();
      ch.force(true);
      long t2 = System.nanoTime();
      System.out.printf("  sequential write: %.2f s in write(2), %.2f s in the final fsync%n",
          (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }
    return (double) seqMb * MIB / 1e6 / ((System.nanoTime() - t0) / 1e9);
  }

  private double seqRead(Path f) throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(MIB);
    long total = 0;
    long t0 = System.nanoTime();
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      int n;
      while ((n = ch.read(buf.clear())) >= 0) {
        total += n;
      }
    }
    if (total != (long) seqMb * MIB) {
      throw new IOException("read " + total + " bytes of " + f + ", wrote " + (long) seqMb * MIB);
    }
    return total / 1e6 / ((System.nanoTime() - t0) / 1e9);
  }

  private Object fio(Path f) throws Exception {
    Process p = new ProcessBuilder("fio", "--name=r", "--filename=" + f, "--rw=randwrite",
        "--bs=4k", "--direct=1", "--size=256M", "--runtime=" + fioSeconds, "--time_based",
        "--ioengine=psync", "--output-format=json").redirectErrorStream(true).start();
    undoProcess(p.pid());
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Matcher m = FIO_WRITE_IOPS.matcher(out);
    if (p.exitValue() != 0 || !m.find()) {
      String o = out.toLowerCase();
      if (o.contains("invalid argument") || o.contains("einval")) {
        return "EINVAL: no direct_io";
      }
      return "fio failed (" + p.exitValue() + "): " + firstLine(out);
    }
    return Double.parseDouble(m.group(1));
  }

  private static String name(int i) {
    return String.format("f%05d", i);
  }

  /**
   * One untimed create, readdir, stat and unlink round, unless --no-warm-up: a long-running
   * server is measured, not its JIT warming up (every system gets the round).
   */
  private void warmUp(Path mnt) throws IOException {
    if (noWarmUp) {
      return;
    }
    Path w = Files.createDirectory(mnt.resolve("warm-up"));
    create(w);
    readdir(w);
    stat(w);
    unlink(w);
    Files.delete(w);
  }

  private double create(Path d) throws IOException {
    long t0 = System.nanoTime();
    for (int i = 0; i < files; i++) {
      Files.createFile(d.resolve(name(i)));
    }
    return files / ((System.nanoTime() - t0) / 1e9);
  }

  private double readdir(Path d) throws IOException {
    long t0 = System.nanoTime();
    int n = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
      for (Path ignored : ds) {
        n++;
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    if (n != files) {
      throw new IOException("readdir of " + d + " saw " + n + " entries, expected " + files);
    }
    return n / secs;
  }

  private double stat(Path d) throws IOException {
    long t0 = System.nanoTime();
    for (int i = 0; i < files; i++) {
      Files.readAttributes(d.resolve(name(i)), BasicFileAttributes.class);
    }
    return files / ((System.nanoTime() - t0) / 1e9);
  }

  private double unlink(Path d) throws IOException {
    long t0 = System.nanoTime();
    for (int i = 0; i < files; i++) {
      Files.delete(d.resolve(name(i)));
    }
    return files / ((System.nanoTime() - t0) / 1e9);
  }

  private double untar(Path tarball, Path into, int tarFiles) throws Exception {
    long t0 = System.nanoTime();
    run(List.of("tar", "-xf", tarball.toString(), "-C", into.toString()), 300);
    return tarFiles / ((System.nanoTime() - t0) / 1e9);
  }

  private static Path makeTarball(Path runDir) throws Exception {
    Path tar = runDir.resolve("doc.tar");
    run(List.of("tar", "-cf", tar.toString(), "-C", "/usr/share", "doc"), 300);
    return tar;
  }

  private static int countTar(Path tar) throws Exception {
    return (int) run(List.of("tar", "-tf", tar.toString()), 120).lines().count();
  }

  // ---- output --------------------------------------------------------------------------------

  private void print() {
    System.out.println("| workload | GFSJ | fuse2fs | ext4 on loop | GFSJ/fuse2fs | GFSJ/ext4"
        + " | target met? |");
    System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (Map.Entry<Row, Map<Sys, Object>> e : results.entrySet()) {
      Row r = e.getKey();
      Map<Sys, Object> v = e.getValue();
      Object g = v.get(Sys.GFSJ);
      // a GFSJ-only row is set beside the peers' numbers of the workload it repeats
      Row peers = r == CREATE_SINGLE ? CREATE : r == FSYNCED_SINGLE ? FSYNCED : r;
      Object f = results.getOrDefault(peers, Map.of()).get(Sys.FUSE2FS);
      Object x = results.getOrDefault(peers, Map.of()).get(Sys.EXT4);
      Double rf = ratio(g, f);
      Double rx = ratio(g, x);
      List<String> verdicts = new ArrayList<>();
      if (r.vsFuse2fs() > 0) {
        verdicts.add(verdict(rf, r.vsFuse2fs(), "fuse2fs"));
      }
      if (r.vsExt4() > 0) {
        verdicts.add(verdict(rx, r.vsExt4(), "ext4"));
      }
      System.out.printf("| %s (%s) | %s | %s | %s | %s | %s | %s |%n", r.name(), r.unit(), fmt(g),
          fmt(f), fmt(x), rf == null ? "—" : String.format("%.2f", rf),
          rx == null ? "—" : String.format("%.2f", rx),
          verdicts.isEmpty() ? "(no target)" : String.join("; ", verdicts));
    }
  }

  private static String verdict(Double ratio, double target, String peer) {
    return (ratio != null && ratio >= target ? "met" : "NOT met") + " (>= " + target + "x " + peer
        + ")";
  }

  private static Double ratio(Object a, Object b) {
    return a instanceof Double x && b instanceof Double y && y > 0 ? x / y : null;
  }

  private static String fmt(Object o) {
    if (o instanceof Double d) {
      return d >= 100 ? String.format("%.0f", d) : String.format("%.1f", d);
    }
    return o == null ? "—" : o.toString();
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  // ---- processes and clean-up ----------------------------------------------------------------

  /** Runs a command to completion; its output, or an exception naming it with its output. */
  private static String run(List<String> cmd, int timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + out);
    }
    return out;
  }

  /** Runs a clean-up command; its exit status, -1 if it could not run. */
  private static int quiet(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (Exception e) {
      return -1;
    }
  }

  private static String firstLine(String s) {
    return s.lines().filter(l -> !l.isBlank()).findFirst().orElse("").trim();
  }

  private synchronized void cleanUp() {
    while (!undo.isEmpty()) {
      try {
        undo.pop().run();
      } catch (RuntimeException e) {
        System.err.println("gfs-tool bench fs: clean-up step failed: " + e);
      }
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("gfs-tool bench fs: could not remove " + root + ": " + e.getMessage());
    }
  }

  /** bin/ of the repository whose tools/target holds this class's jar. */
  static Path repoBin() throws Exception {
    Path jar = Path.of(FsBenchCommand.class.getProtectionDomain().getCodeSource().getLocation()
        .toURI());
    return jar.getParent().getParent().getParent().resolve("bin");
  }
}
