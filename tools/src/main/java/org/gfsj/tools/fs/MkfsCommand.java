package org.gfsj.tools.fs;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.gfsj.fs.format.LockProtocol;
import org.gfsj.fs.mkfs.Mkfs;
import org.gfsj.fs.mkfs.MkfsOptions;
import org.gfsj.journal.device.BlockDevice;
import org.gfsj.journal.device.BlockDevices;
import org.gfsj.journal.device.DeviceOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mkfs.gfsj}: makes a GFSJ filesystem, with mkfs.gfs2's options and summary. */
@Command(
    name = "mkfs.gfsj",
    mixinStandardHelpOptions = true,
    version = "mkfs.gfsj 0.1.0",
    exitCodeOnInvalidInput = 1,
    exitCodeOnExecutionException = 1,
    description = "Make a GFSJ filesystem on a block device, image file or nbd:// export.")
public final class MkfsCommand implements Callable<Integer> {
  private static final long MIB = 1 << 20;
  /** Below this many groups the progress line would flash by unseen. */
  private static final int PROGRESS_GROUPS = 64;

  @Spec CommandSpec spec;

  @Option(names = "-p", paramLabel = "PROTOCOL",
      description = "Lock protocol: lockd (a cluster) or nolock (one node). Default: lockd.")
  String protocol = "lockd";

  @Option(names = "-t", paramLabel = "CLUSTER:FSNAME",
      description = "Lock table name; required with lockd.")
  String lockTable = "";

  @Option(names = "-j", paramLabel = "JOURNALS",
      description = "Journals, one per node that will mount it. Default: ${DEFAULT-VALUE}.")
  int journals = 1;

  @Option(names = "-J", paramLabel = "MB", description = "Journal size in MiB, at least 8."
      + " Default: ${DEFAULT-VALUE}.")
  long journalMb = 128;

  @Option(names = "-b", paramLabel = "BYTES", description = "Block size. Default: ${DEFAULT-VALUE}.")
  int blockSize = DeviceOptions.DEFAULT_BLOCK_SIZE;

  @Option(names = "-r", paramLabel = "MB", description = "Resource group size in MiB, 32 to 2048."
      + " Default: ${DEFAULT-VALUE}.")
  long groupMb = 256;

  @Option(names = "-O", description = "Overwrite an existing filesystem without refusing.")
  boolean overwrite;

  @Option(names = "-q", description = "Quiet: print nothing but errors.")
  boolean quiet;

  @Parameters(paramLabel = "DEVICE", description = "A block device, an image file or nbd://host[:port]/export.")
  String device;

  public static void main(String[] args) {
    System.exit(new CommandLine(new MkfsCommand()).execute(args));
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      MkfsOptions options = options();
      DeviceOptions open = DeviceOptions.defaults().withBlockSize(blockSize)
          .withLock(DeviceOptions.HostLock.EXCLUSIVE);
      Mkfs.Summary s;
      try (BlockDevice dev = BlockDevices.open(device, open)) {
        s = Mkfs.make(dev, options, progress(out));
      }
      if (!quiet) {
        printSummary(out, s);
      }
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      err.println("mkfs.gfsj: " + e.getMessage());
      return 1;
    }
  }

  private MkfsOptions options() {
    LockProtocol p = LockProtocol.named(protocol);
    if (p == null) {
      throw new IllegalArgumentException("unknown lock protocol '" + protocol
          + "'; use lockd or nolock");
    }
    if (journalMb < 8) {
      throw new IllegalArgumentException("journals of " + journalMb + " MiB are too small: -J 8 at"
          + " least");
    }
    if (groupMb < 32 || groupMb > 2048) {
      throw new IllegalArgumentException("resource groups of " + groupMb + " MiB: -r takes 32 to"
          + " 2048");
    }
    if (blockSize <= 0 || blockSize > (1 << 16)) {
      throw new IllegalArgumentException("block size " + blockSize + " is not 1024 to 65536");
    }
    return new MkfsOptions(blockSize, p, lockTable, journals, journalMb * MIB / blockSize,
        groupMb * MIB / blockSize, overwrite);
  }

  private Mkfs.Progress progress(PrintWriter out) {
    // a \r-rewritten line belongs on a terminal only, not in logs and pipes
    if (quiet || System.console() == null) {
      return (done, total) -> {};
    }
    return (done, total) -> {
      if (total < PROGRESS_GROUPS) {
        return;
      }
      if (done == 1 || done == total || done % Math.max(1, total / 100) == 0) {
        out.printf("\rWriting resource groups: %d/%d", done, total);
        if (done == total) {
          out.println(" done");
        }
        out.flush();
      }
    };
  }

  private static void printSummary(PrintWriter out, Mkfs.Summary s) {
    out.printf("Device:                    %s%n", s.device());
    out.printf("Block size:                %d%n", s.blockSize());
    out.printf("Device size:               %s (%d blocks)%n", gib(s.deviceBlocks(), s.blockSize()),
        s.deviceBlocks());
    out.printf("Filesystem size:           %s (%d blocks)%n",
        gib(s.filesystemBlocks(), s.blockSize()), s.filesystemBlocks());
    out.printf("Journals:                  %d%n", s.journals());
    out.printf("Journal size:              %dMB%n", s.journalBlocks() * s.blockSize() / MIB);
    out.printf("Resource groups:           %d%n", s.resourceGroups());
    out.printf("Locking protocol:          \"%s\"%n", s.protocol().diskName());
    out.printf("Lock table:                \"%s\"%n", s.lockTable());
    out.printf("UUID:                      %s%n", s.uuid());
    out.flush();
  }

  private static String gib(long blocks, int blockSize) {
    return String.format("%.2f GB", blocks * (double) blockSize / (1L << 30));
  }
}
