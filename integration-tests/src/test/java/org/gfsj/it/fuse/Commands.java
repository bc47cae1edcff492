package org.gfsj.it.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs GFSJ's commands as real processes, on the test's own classpath (which holds the tools
 * module and its dependencies), and other programs (cp, tar, stat...) as they are.
 */
final class Commands {
  private static final long TIMEOUT_SECONDS = 180;

  private Commands() {}

  /** A finished process: exit status and everything it printed, stdout and stderr together. */
  record Result(int status, String output) {
    Result expect(int wanted, String what) {
      if (status != wanted) {
        throw new AssertionError(what + ": status " + status + ", wanted " + wanted + "; output:\n"
            + output);
      }
      return this;
    }
  }

  static List<String> java(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), mainClass));
    cmd.addAll(List.of(args));
    return cmd;
  }

  static Result mkfs(Path image) throws Exception {
    return run(java("org.gfsj.tools.fs.MkfsCommand", "-p", "nolock", "-j", "2", "-J", "16", "-q",
        image.toString())).expect(0, "mkfs.gfsj " + image);
  }

  /** A sparse image file of {@code bytes}. */
  static Path sparseImage(Path file, long bytes) throws IOException {
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(bytes);
    }
    return file;
  }

  static List<String> mountGfsj(String... args) {
    return java("org.gfsj.tools.mount.MountCommand", args);
  }

  static Result gfsTool(String... args) throws Exception {
    return run(java("org.gfsj.tools.GfsTool", args));
  }

  static Result run(String... command) throws Exception {
    return run(List.of(command));
  }

  static Result run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    // read before waiting: a full pipe would stall the child
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS
          + " s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
