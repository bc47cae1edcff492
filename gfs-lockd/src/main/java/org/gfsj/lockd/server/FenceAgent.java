package org.gfsj.lockd.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gfsj.lockd.core.Member;

/**
 * Runs the operator's fence command for a node, the way the fence-agents package is driven: the
 * node's name as the last argument and {@code key=value} lines on standard input (action=off,
 * nodename, slot, client_id). Exit status 0 means the node can no longer reach the disk.
 */
final class FenceAgent {
  static final long TIMEOUT_SECONDS = 60;

  private final List<String> command;

  FenceAgent(String command) {
    this.command = Arrays.asList(command.trim().split("\\s+"));
  }

  /**
   * Why this agent cannot run at all (its program is not an executable file, as given or on
   * {@code PATH}), or null. Checked when lockd starts: otherwise the mistake would show only
   * when a node dies, as locks that never move.
   */
  String unusable() {
    String program = command.get(0);
    if (program.contains("/")) {
      return runnable(Path.of(program)) ? null
          : program + " is not an executable file (missing, a directory, or without the x bit)";
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String d : path.split(":")) {
      if (!d.isEmpty() && runnable(Path.of(d, program))) {
        return null;
      }
    }
    return "no executable " + program + " on PATH (" + path + "); give its full path";
  }

  private static boolean runnable(Path p) {
    return Files.isRegularFile(p) && Files.isExecutable(p);
  }

  /** Fences {@code m}; returns null on success, else why it failed. */
  String fence(Member m) {
    List<String> argv = new ArrayList<>(command);
    argv.add(m.name());
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      OutputTail output = new OutputTail(p.getInputStream());
      try (OutputStream in = p.getOutputStream()) {
        in.write(("action=off\nnodename=" + m.name() + "\nslot=" + m.slot() + "\nclient_id="
            + Long.toHexString(m.clientId()) + "\n").getBytes(StandardCharsets.UTF_8));
      } catch (IOException ignoredAgentClosedStdin) {
        // Agents that take everything from arguments may close stdin at once.
      }
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "fence agent " + argv + " did not finish in " + TIMEOUT_SECONDS + " s"
            + output.lastLine();
      }
      return p.exitValue() == 0 ? null
          : "fence agent " + argv + " exited with status " + p.exitValue() + output.lastLine();
    } catch (IOException e) {
      return "cannot run fence agent " + argv + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while fencing " + m.name();
    }
  }

  /**
   * The end of what one run of the agent prints, read by a thread of its own so that an agent
   * that says much cannot block on a full pipe; agents say why they failed last.
   */
  private static final class OutputTail {
    private static final int KEPT = 4096;
    private final Thread reader;
    private String text = "";

    OutputTail(InputStream output) {
      reader = new Thread(() -> read(output), "fence-agent-output");
      reader.setDaemon(true);
      reader.start();
    }

    private void read(InputStream output) {
      ByteArrayOutputStream kept = new ByteArrayOutputStream();
      byte[] buffer = new byte[1024];
      try (output) {
        for (int n; (n = output.read(buffer)) > 0; ) {
          kept.write(buffer, 0, n);
          if (kept.size() > 2 * KEPT) {
            byte[] all = kept.toByteArray();
            kept.reset();
            kept.write(all, all.length - KEPT, KEPT);
          }
        }
      } catch (IOException agentGone) {
        // What it said so far is what there is.
      }
      synchronized (this) {
        text = kept.toString(StandardCharsets.UTF_8).strip();
      }
    }

    /** ": LAST LINE" once the output ended (waiting at most a second), or "" if none. */
    String lastLine() throws InterruptedException {
      reader.join(1_000);
      synchronized (this) {
        return text.isEmpty() ? "" : ": " + text.substring(text.lastIndexOf('\n') + 1).strip();
      }
    }
  }
}
