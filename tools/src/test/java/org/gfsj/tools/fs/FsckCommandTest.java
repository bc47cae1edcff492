package org.gfsj.tools.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** fsck.gfsj's command line and exit codes; the checks themselves are FsckTest's. */
class FsckCommandTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  private static Run run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  private String filesystem() throws Exception {
    Path p = dir.resolve("fs.img");
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(128L << 20);
    }
    Run mkfs = run(new MkfsCommand(), "-p", "nolock", "-J", "8", "-r", "32", "-q", p.toString());
    assertEquals(0, mkfs.code(), mkfs.err());
    return p.toString();
  }

  @Test
  void freshFilesystemIsCleanWithEveryMode() throws Exception {
    String img = filesystem();
    for (String mode : new String[] {"-n", "-y", "-p"}) {
      Run r = run(new FsckCommand(), mode, "-v", img);
      assertEquals(0, r.code(), r.out() + r.err());
      assertTrue(r.out().contains("Pass 4"), r.out());
      assertTrue(r.out().contains("journal 0: clean"), r.out());
    }
  }

  @Test
  void outputThatIsNoTerminalCarriesNoProgressLine() throws Exception {
    Run r = run(new FsckCommand(), "-n", filesystem());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(!r.out().contains("\r") && !r.out().contains("checked"), r.out());
  }

  @Test
  void usageErrorsExitSixteen() throws Exception {
    String img = filesystem();
    assertEquals(16, run(new FsckCommand(), "-n", "-y", img).code());
    assertEquals(16, run(new FsckCommand()).code());
  }

  @Test
  void missingDeviceExitsEight() {
    Run r = run(new FsckCommand(), "-n", dir.resolve("nothing.img").toString());
    assertEquals(8, r.code());
    assertTrue(r.err().startsWith("fsck.gfsj: "), r.err());
  }
}
