package org.gfsj.fs.fsck;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.fuse.MountTable;
import org.gfsj.journal.device.BlockDeviceException;
import org.gfsj.journal.device.DeviceOptions;

/**
 * Checks (and with repair, fixes) an unmounted filesystem in e2fsck's order: journals first, then
 * the groups, the tree, its connectivity (lost+found), link counts, bitmaps and the statfs totals. The caller opens the device: exclusively, and
 * read-only unless repairing.
 */
public final class Fsck {
  private Fsck() {}

  /** What a run found: its findings and the filesystem's totals for the summary line. */
  public record Result(Findings findings, long inodes, long blocksUsed, long blocks) {
    public int exitCode() {
      return findings.exitCode();
    }
  }

  /** fsck(8)'s exit code for an error that stopped the check. */
  public static final int OPERATIONAL_ERROR = 8;

  /** How long fsck waits for the server of a mount that umount(8) has already detached. */
  static final Duration ENDING_MOUNT_WAIT = Duration.ofSeconds(60);

  /**
   * Opens {@code spec} and checks it; returns fsck(8)'s exit code. The device is opened with an
   * exclusive host lock, which a mount's shared lock refuses: checking a live filesystem would
   * report its in-flight changes as damage. Java takes an exclusive lock only on a writable
   * channel, so -n opens it writable too and writes nothing: every write goes through a repair.
   */
  public static int check(String spec, boolean repair, boolean verbose, PrintWriter out,
      PrintWriter err) {
    return check(spec, repair, verbose, out, err, Progress.NONE);
  }

  /** As {@link #check(String, boolean, boolean, PrintWriter, PrintWriter)}, showing progress. */
  public static int check(String spec, boolean repair, boolean verbose, PrintWriter out,
      PrintWriter err, Progress progress) {
    DeviceOptions options = DeviceOptions.defaults().withLock(DeviceOptions.HostLock.EXCLUSIVE);
    FileSystemReader fs;
    try {
      fs = openAfterAnyEndingMount(spec, options, err);
    } catch (IOException e) {
      // the device layer words a held host lock as "in use" (another process) or "already
      // open" (this one); anything else is a plain I/O or format error
      boolean held = e instanceof BlockDeviceException && (e.getMessage().contains("in use")
          || e.getMessage().contains("already open"));
      err.println("fsck.gfsj: " + (held ? spec + " is mounted (or in use); unmount it first"
          : e.getMessage()));
      return OPERATIONAL_ERROR;
    }
    try (fs) {
      return run(fs, repair, verbose, out, progress).exitCode();
    } catch (IOException e) {
      out.flush();
      err.println("fsck.gfsj: " + e.getMessage() + "; the check stopped there");
      return OPERATIONAL_ERROR;
    }
  }

  /**
   * Opens {@code spec} exclusively; when another process holds it but no GFSJ mount of it is
   * listed any more, waits up to {@link #ENDING_MOUNT_WAIT} for that process to let go. umount(8)
   * returns as soon as the kernel has detached a FUSE mount, while its server still writes back
   * and closes the journal, holding the device: {@code umount DIR && fsck.gfsj DEV} must work.
   */
  private static FileSystemReader openAfterAnyEndingMount(String spec, DeviceOptions options,
      PrintWriter err) throws IOException {
    long deadline = System.nanoTime() + ENDING_MOUNT_WAIT.toNanos();
    String source = spec.contains("://") ? spec
        : Path.of(spec).toAbsolutePath().normalize().toString();
    boolean said = false;
    while (true) {
      try {
        return FileSystemReader.open(spec, options);
      } catch (BlockDeviceException e) {
        boolean heldByAnother = e.getMessage().contains("in use");
        if (!heldByAnother || MountTable.isGfsjSource(source)
            || System.nanoTime() - deadline > 0) {
          throw e;
        }
        if (!said) {
          err.println("fsck.gfsj: " + spec + " is unmounted but still held, by the server of"
              + " its last mount writing back; waiting up to " + ENDING_MOUNT_WAIT.toSeconds()
              + " s for it");
          err.flush();
          said = true;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  public static Result run(FileSystemReader fs, boolean repair, boolean verbose,
      PrintWriter out) throws IOException {
    return run(fs, repair, verbose, out, Progress.NONE);
  }

  public static Result run(FileSystemReader fs, boolean repair, boolean verbose,
      PrintWriter out, Progress progress) throws IOException {
    if (fs.superBlock().blockCount() > Integer.MAX_VALUE) {
      // the passes keep a bit per block in a BitSet, indexed by int
      throw new IOException(fs.device().name() + " has " + fs.superBlock().blockCount()
          + " blocks; this fsck.gfsj checks at most " + Integer.MAX_VALUE + " (8 TiB at 4 KiB)");
    }
    Findings findings = new Findings(out, repair, verbose, progress);
    MetadataRepairs repairs = new MetadataRepairs(fs);
    findings.say("Checking journals");
    JournalPass.run(fs, findings);
    findings.say("Pass 1: Checking the superblock and resource groups");
    Groups groups = GroupPass.run(fs, findings);
    findings.say("Pass 2: Checking inodes, blocks, sizes and directory structure");
    TreeWalk walk = new TreeWalk(fs, groups, findings, repairs);
    walk.run();
    findings.say("Pass 3: Checking directory connectivity");
    new LostAndFound(fs, groups, findings, repairs, walk).run();
    findings.say("Pass 4: Checking reference counts");
    LinkCountPass.run(walk.links, findings, repairs);
    findings.say("Pass 5: Checking block bitmaps and group summary information");
    BitmapPass bitmaps = new BitmapPass(fs, findings, repairs, walk);
    bitmaps.run(groups);
    findings.say("Pass 6: Checking the statfs totals");
    StatfsPass.run(fs, bitmaps.totals(), findings, repairs);
    progress.finish();
    if (repair && findings.fixed() > 0) {
      fs.device().flush();
    }
    long inodes = walk.dinodes.cardinality();
    long used = inodes + walk.blocks.cardinality();
    Result r = new Result(findings, inodes, used, fs.superBlock().blockCount());
    out.printf("%s: %d inodes, %d blocks used of %d%n", fs.device().name(), r.inodes(),
        r.blocksUsed(), r.blocks());
    out.flush();
    return r;
  }
}
