package org.gfsj.lockd.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
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

  /** Fences {@code m}; returns null on success, else why it failed. */
  String fence(Member m) {
    List<String> argv = new ArrayList<>(command);
    argv.add(m.name());
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(("action=off\nnodename=" + m.name() + "\nslot=" + m.slot() + "\nclient_id="
            + Long.toHexString(m.clientId()) + "\n").getBytes(StandardCharsets.UTF_8));
      } catch (IOException ignoredAgentClosedStdin) {
        // Agents that take everything from arguments may close stdin at once.
      }
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "fence agent " + argv + " did not finish in " + TIMEOUT_SECONDS + " s";
      }
      return p.exitValue() == 0 ? null
          : "fence agent " + argv + " exited with status " + p.exitValue();
    } catch (IOException e) {
      return "cannot run fence agent " + argv + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while fencing " + m.name();
    }
  }
}
