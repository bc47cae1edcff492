package org.gfsj.tools.fs;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.SuperBlock;
import org.gfsj.journal.device.DeviceOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gfs-tool sb DEVICE}: the superblock's fields, as tunegfs2 -l shows GFS2's. */
@Command(
    name = "sb",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = 1,
    description = "Print the superblock of a GFSJ filesystem.")
public final class SuperBlockCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DEVICE", description = "A block device, an image file or nbd://…")
  String device;

  /** Only looks: no host lock, so it works beside a mount. */
  static DeviceOptions lookOnly() {
    return DeviceOptions.defaults().withReadOnly(true);
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (FileSystemReader fs = FileSystemReader.open(device, lookOnly())) {
      SuperBlock sb = fs.superBlock();
      out.printf("Device:               %s%n", device);
      out.printf("Format version:       %d%n", sb.formatVersion());
      out.printf("Block size:           %d%n", sb.blockSize());
      out.printf("Filesystem size:      %d blocks (%.2f GB)%n", sb.blockCount(),
          sb.blockCount() * (double) sb.blockSize() / (1L << 30));
      out.printf("UUID:                 %s%n", sb.uuid());
      out.printf("Lock protocol:        %s%n", sb.lockProtocol().diskName());
      out.printf("Lock table:           %s%n", sb.lockTable());
      out.printf("Root dinode:          %d%n", sb.rootDinode());
      out.printf("System dinode:        %d%n", sb.masterDinode());
      out.printf("Resource group size:  %d blocks%n", sb.resourceGroupBlocks());
      out.flush();
      return 0;
    } catch (IOException e) {
      spec.commandLine().getErr().println("gfs-tool sb: " + e.getMessage());
      return 1;
    }
  }
}
