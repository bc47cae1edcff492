package org.gfsj.tools.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Path;
import org.gfsj.tools.GfsTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FsCommandsTest {
  @TempDir Path dir;

  /** Exit code, stdout and stderr of one command line. */
  record Run(int code, String out, String err) {}

  private static Run run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private Path image(long bytes) throws Exception {
    Path p = dir.resolve("fs.img");
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(bytes);
    }
    return p;
  }

  @Test
  void mkfsThenSbAndJournalsShowWhatWasMade() throws Exception {
    String img = image(512L << 20).toString();
    Run mkfs = run(new MkfsCommand(), "-p", "lockd", "-t", "alpha:web", "-j", "3", "-J", "16",
        "-r", "64", img);
    assertEquals(0, mkfs.code(), mkfs.err());
    assertTrue(mkfs.out().contains("Journals:                  3"), mkfs.out());
    assertTrue(mkfs.out().contains("Lock table:                \"alpha:web\""), mkfs.out());

    Run sb = run(new GfsTool(), "sb", img);
    assertEquals(0, sb.code(), sb.err());
    assertTrue(sb.out().contains("Lock protocol:        lockd"), sb.out());
    assertTrue(sb.out().contains("Resource group size:  16384 blocks"), sb.out());

    Run journals = run(new GfsTool(), "journals", img);
    assertEquals(0, journals.code(), journals.err());
    String[] lines = journals.out().strip().split("\n");
    assertEquals(4, lines.length, journals.out());
    for (int slot = 0; slot < 3; slot++) {
      assertTrue(lines[1 + slot].startsWith(slot + " "), lines[1 + slot]);
      assertTrue(lines[1 + slot].matches(".*4096 +16MB +clean"), lines[1 + slot]);
    }
  }

  @Test
  void mkfsErrorsExitOneWithAMessage() throws Exception {
    String img = image(1L << 30).toString();
    assertEquals(0, run(new MkfsCommand(), "-q", "-p", "nolock", img).code());
    Run again = run(new MkfsCommand(), "-p", "nolock", img);
    assertEquals(1, again.code());
    assertTrue(again.err().contains("existing filesystem (GFSJ); use -O"), again.err());
    assertEquals(1, run(new MkfsCommand(), "-p", "dlm", img).code());
    assertEquals(1, run(new MkfsCommand(), "--no-such-option", img).code());
    Run missing = run(new MkfsCommand(), "-p", "nolock", "-O", dir.resolve("nothere").toString());
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("no such device or image file"), missing.err());
    assertEquals(0, run(new MkfsCommand(), "--help").code());
  }

  @Test
  void sbOfSomethingElseExitsOne() throws Exception {
    Run sb = run(new GfsTool(), "sb", image(1L << 20).toString());
    assertEquals(1, sb.code());
    assertTrue(sb.err().contains("not a GFSJ filesystem"), sb.err());
  }
}
