package org.gfsj.tools;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.gfsj.fs.GfsMount;
import org.gfsj.fs.MountOptions;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.mkfs.Mkfs;
import org.gfsj.fs.mkfs.MkfsOptions;
import org.gfsj.fs.vfs.Caller;
import org.gfsj.fs.vfs.OpenFlags;
import org.gfsj.fs.vfs.Vfs;
import org.gfsj.journal.device.DeviceOptions;
import org.gfsj.journal.device.PathBlockDevice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gfs-tool bench fsck}: times {@code fsck.gfsj -n} on a filesystem holding many files, as a
 * user runs it (the launcher, JVM start included). The files are made in process through
 * {@link GfsMount}, not through FUSE, so that the fixture costs seconds, not minutes.
 */
@Command(
    name = "fsck",
    mixinStandardHelpOptions = true,
    description = "Time fsck.gfsj -n on a filesystem of many small files (target: 100,000 files"
        + " in under 60 s).")
final class FsckBenchCommand implements Callable<Integer> {
  private static final long MIB = 1 << 20;
  private static final int FILES_PER_DIRECTORY = 1000;

  @Option(names = "--dir", description = "Directory for the image (default: ${DEFAULT-VALUE}).",
      defaultValue = "/var/tmp")
  Path dir;

  @Option(names = "--size-gb", description = "Image size in GiB (default: ${DEFAULT-VALUE}).",
      defaultValue = "4")
  int sizeGb;

  @Option(names = "--files", description = "Files to create (default: ${DEFAULT-VALUE}).",
      defaultValue = "100000")
  int files;

  @Option(names = "--max-file-kb", description = "Largest file in KiB; sizes are drawn evenly"
      + " from 0 up to it (default: ${DEFAULT-VALUE}).", defaultValue = "8")
  int maxFileKb;

  @Option(names = "--links", description = "Extra hard links to each file, in its directory"
      + " (default: ${DEFAULT-VALUE}): a tree that names each inode many times.",
      defaultValue = "0")
  int links;

  @Option(names = "--bin", description = "Directory holding fsck.gfsj (default: the repository's"
      + " bin/).")
  Path bin;

  @Option(names = "--keep", description = "Keep the image (its path is printed).")
  boolean keep;

  @Override
  public Integer call() throws Exception {
    if (bin == null) {
      bin = FsBenchCommand.repoBin();
    }
    Path image = Files.createTempFile(dir, "gfsj-bench-fsck", ".img");
    try {
      System.out.printf("gfs-tool bench fsck: %s, image of %d GiB at %s, %d files of 0-%d KiB"
          + " with %d extra links each, in directories of %d%n", Instant.now(), sizeGb, image,
          files, maxFileKb, links, FILES_PER_DIRECTORY);
      long t0 = System.nanoTime();
      makeFilesystem(image);
      System.out.printf("made the filesystem and its files in %.1f s%n", seconds(t0));
      long t1 = System.nanoTime();
      String out = fsck(image);
      double took = seconds(t1);
      System.out.print(out);
      System.out.printf("%n| workload | result | target |%n|---|---|---|%n");
      System.out.printf("| fsck.gfsj -n, %,d files%s | %.1f s | < 60 s%s |%n", files,
          links == 0 ? "" : String.format(", %d extra links each", links), took,
          took < 60 ? " (met)" : " (missed)");
      return 0;
    } finally {
      if (keep) {
        System.out.println("image kept: " + image);
      } else {
        Files.deleteIfExists(image);
      }
    }
  }

  private void makeFilesystem(Path image) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(sizeGb * 1024 * MIB);
    }
    try (PathBlockDevice dev = PathBlockDevice.open(image,
        DeviceOptions.defaults().withLock(DeviceOptions.HostLock.EXCLUSIVE))) {
      Mkfs.make(dev, new MkfsOptions(DeviceOptions.DEFAULT_BLOCK_SIZE, LockProtocol.NOLOCK, "", 1,
          128 * MIB / DeviceOptions.DEFAULT_BLOCK_SIZE, 256 * MIB / DeviceOptions.DEFAULT_BLOCK_SIZE,
          true), (done, total) -> {});
    }
    Random random = new Random(files);
    byte[] data = new byte[maxFileKb * 1024 + 1];
    random.nextBytes(data);
    try (GfsMount fs = GfsMount.open(image.toString(),
        MountOptions.defaults().withNodeName("bench"))) {
      long directory = fs.root();
      for (int i = 0; i < files; i++) {
        if (i % FILES_PER_DIRECTORY == 0) {
          directory = fs.mkdir(fs.root(), "d" + i / FILES_PER_DIRECTORY, 0755, Caller.ROOT).ino();
        }
        Vfs.Created c = fs.create(directory, "f" + i, 0644, OpenFlags.O_WRONLY, Caller.ROOT);
        int size = random.nextInt(data.length);
        if (size > 0) {
          fs.write(c.attributes().ino(), c.handle(), 0, ByteBuffer.wrap(data, 0, size),
              Caller.ROOT);
        }
        fs.release(c.attributes().ino(), c.handle());
        for (int k = 1; k <= links; k++) {
          fs.link(c.attributes().ino(), directory, "f" + i + ".link" + k, Caller.ROOT);
        }
      }
    }
  }

  private String fsck(Path image) throws Exception {
    List<String> cmd = List.of(bin.resolve("fsck.gfsj").toString(), "-n", image.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(600, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " did not finish in 600 s");
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + out);
    }
    return out;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
