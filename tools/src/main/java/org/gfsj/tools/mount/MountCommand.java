package org.gfsj.tools.mount;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.gfsj.fs.GfsMount;
import org.gfsj.fs.fuse.MountTable;
import org.gfsj.fs.vfs.Vfs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mount.gfsj}: mounts a GFSJ filesystem through FUSE, by hand or as mount(8)'s helper for
 * {@code mount -t gfsj} and fstab lines ({@code /sbin/mount.gfsj DEVICE DIR [-sfnv] -o OPTS}).
 * Exit codes are mount(8)'s: 0 mounted, 1 bad usage, 32 the mount failed.
 */
@Command(
    name = "mount.gfsj",
    mixinStandardHelpOptions = true,
    version = "mount.gfsj 0.1.0",
    exitCodeOnInvalidInput = MountCommand.USAGE,
    exitCodeOnExecutionException = MountCommand.FAILURE,
    description = {"Mount a GFSJ filesystem (block device, image file or nbd:// export) through"
        + " FUSE. Without -f it returns once the mount is live and serves in the background;"
        + " `umount DIR` writes everything back and leaves the journal clean.",
        "Options (-o, comma-separated): ro, rw, noatime, relatime (default), strictatime,"
            + " journal=N (default: first slot), node=NAME, lockproto=nolock|lockd,"
            + " commit=SECONDS (default 1), debug;"
            + " FUSE: allow_other (default for root), noallow_other, auto_unmount (default),"
            + " noauto_unmount, max_write=BYTES (at most 1048576), fuse_threads=single|multi,"
            + " readahead=KB (default 4096; 0 keeps the kernel's 128),"
            + " entry_timeout=SECONDS and attr_timeout=SECONDS (how long the kernel caches names"
            + " and attributes; default 3600 under nolock, 1 in a cluster), writeback_cache and"
            + " no_writeback_cache (whether write(2) returns once data is in the kernel's page"
            + " cache; default on under nolock), readdirplus=always|auto (whether every listing"
            + " carries attributes, or only when the kernel guesses they are wanted; default"
            + " always);"
            + " mount(8)'s own (defaults, noauto, _netdev, x-*...) are ignored."})
public final class MountCommand implements Callable<Integer> {
  static final int USAGE = 1;
  static final int FAILURE = 32;

  @Spec CommandSpec spec;

  @Option(names = "-f", description = "Serve in the foreground until unmounted or SIGTERM.")
  boolean foreground;

  @Option(names = "-o", paramLabel = "OPTIONS", description = "Mount options, comma-separated;"
      + " may be repeated.")
  List<String> options = new ArrayList<>();

  @Option(names = "-s", description = "Sloppy: ignore filesystem options this version does not"
      + " know (as mount -s asks of helpers).")
  boolean sloppy;

  @Option(names = "-n", description = "Accepted for mount(8); there is no /etc/mtab to skip.")
  boolean noMtab;

  @Option(names = "-v", description = "Say what is done.")
  boolean verbose;

  @Option(names = "-t", paramLabel = "TYPE", description = "Accepted for mount(8): gfsj.")
  String type = "gfsj";

  @Parameters(index = "0", paramLabel = "DEVICE",
      description = "A block device, an image file or nbd://host[:port]/export.")
  String device;

  @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An existing directory.")
  Path mountPoint;

  public static void main(String[] args) {
    System.exit(new CommandLine(new MountCommand()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    String deviceSpec = device.contains("://") ? device
        : Path.of(device).toAbsolutePath().normalize().toString();
    Path dir = mountPoint.toAbsolutePath().normalize();
    String optionString = String.join(",", options);
    MountOptionString parsed;
    try {
      if (!type.equals("gfsj") && !type.equals("fuse.gfsj")) {
        throw new IllegalArgumentException("-t " + type + ": this helper mounts gfsj only");
      }
      parsed = MountOptionString.parse(optionString, deviceSpec, isRoot(), sloppy);
    } catch (IllegalArgumentException e) {
      err.println("mount.gfsj: " + e.getMessage());
      return USAGE;
    }
    if (!Files.isDirectory(dir)) {
      err.println("mount.gfsj: mount point " + dir + " does not exist or is not a directory");
      return FAILURE;
    }
    if (MountTable.isGfsjMounted(dir)) {
      err.println("mount.gfsj: " + dir + " is already a GFSJ mount; umount it first");
      return FAILURE;
    }
    return foreground ? serve(parsed, deviceSpec, dir, err)
        : background(optionString, deviceSpec, dir, err);
  }

  private int serve(MountOptionString parsed, String deviceSpec, Path dir, PrintWriter err) {
    Vfs vfs;
    try {
      vfs = GfsMount.open(deviceSpec, parsed.filesystem());
    } catch (IOException | RuntimeException e) {
      err.println("mount.gfsj: cannot mount " + deviceSpec + ": " + e.getMessage());
      return FAILURE;
    }
    MountSession session = new MountSession(vfs, dir, parsed.fuse());
    Runtime.getRuntime().addShutdownHook(new Thread(session::stop, "mount.gfsj stop"));
    int status = session.serve();
    if (status != 0) {
      err.println("mount.gfsj: FUSE could not mount " + dir + " (status " + status
          + "); the reason is logged above");
      return FAILURE;
    }
    return 0;
  }

  private int background(String optionString, String deviceSpec, Path dir, PrintWriter err) {
    Path log = BackgroundMount.logFor(dir);
    List<String> args = new ArrayList<>();
    if (!optionString.isEmpty()) {
      args.add("-o");
      args.add(optionString);
    }
    if (sloppy) {
      args.add("-s");
    }
    args.add(deviceSpec);
    args.add(dir.toString());
    try {
      Process child = new BackgroundMount(dir, log).start(args);
      if (verbose) {
        spec.commandLine().getOut().printf("mount.gfsj: %s mounted on %s, served by pid %d, log"
            + " %s%n", deviceSpec, dir, child.pid(), log);
        spec.commandLine().getOut().flush();
      }
      return 0;
    } catch (IOException e) {
      err.println("mount.gfsj: cannot mount " + deviceSpec + " on " + dir + ": "
          + e.getMessage());
      return FAILURE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FAILURE;
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
