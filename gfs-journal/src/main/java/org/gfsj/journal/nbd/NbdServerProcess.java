package org.gfsj.journal.nbd;

import java.io.Closeable;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Debian's nbd-server, run by GFSJ itself on 127.0.0.1 for tests and benchmarks.
 *
 * <p>nbd-server serves one client and exits when told not to fork ({@code -d}), so it runs as the
 * daemon it is meant to be: it forks, writes its PID to a file in the run directory and forks a
 * child per connection. It runs with {@code splice = true}, which spares it a copy of request data.
 * Stopping it by that PID with SIGTERM makes it stop its children too;
 * {@link #kill()} kills them all at once, as a crash would, and {@link #pause()} stops them all
 * with SIGSTOP so that requests hang.
 */
public final class NbdServerProcess implements Closeable {
  private static final Duration START_LIMIT = Duration.ofSeconds(10);

  /**
   * One export section.
   *
   * @param name the export name clients ask for (the section name)
   * @param image the file served
   * @param transactionLog where nbd-server records every request header and reply, or null
   */
  public record Export(String name, Path image, boolean readOnly, boolean flush, boolean fua,
      boolean trim, Path transactionLog) {

    /** A read-write export that accepts FLUSH, FUA and TRIM. */
    public static Export of(String name, Path image) {
      return new Export(name, image, false, true, true, true, null);
    }

    public Export asReadOnly() {
      return new Export(name, image, true, flush, fua, trim, transactionLog);
    }

    public Export withoutFua() {
      return new Export(name, image, readOnly, flush, false, trim, transactionLog);
    }

    public Export withTransactionLog(Path log) {
      return new Export(name, image, readOnly, flush, fua, trim, log);
    }

    String section() {
      StringBuilder s = new StringBuilder("[" + name + "]\n")
          .append("exportname = ").append(image.toAbsolutePath()).append('\n')
          .append("readonly = ").append(readOnly).append('\n')
          .append("flush = ").append(flush).append('\n')
          .append("fua = ").append(fua).append('\n')
          .append("trim = ").append(trim).append('\n');
      if (transactionLog != null) {
        s.append("transactionlog = ").append(transactionLog.toAbsolutePath()).append('\n');
      }
      return s.toString();
    }
  }

  private final Path config;
  private final Path pidFile;
  private final Path logFile;
  private final int port;
  private final List<Path> transactionLogs;
  private long pid;

  private NbdServerProcess(Path runDir, int port, List<Path> transactionLogs) {
    this.config = runDir.resolve("nbd-server.conf");
    this.pidFile = runDir.resolve("nbd-server.pid");
    this.logFile = runDir.resolve("nbd-server.log");
    this.port = port;
    this.transactionLogs = transactionLogs;
  }

  /**
   * Writes a config for {@code exports} into {@code runDir} and starts nbd-server on
   * 127.0.0.1:{@code port}; returns once it listens.
   */
  public static NbdServerProcess start(Path runDir, int port, List<Export> exports)
      throws IOException {
    Files.createDirectories(runDir);
    NbdServerProcess server = new NbdServerProcess(runDir.toAbsolutePath(), port,
        exports.stream().map(Export::transactionLog).filter(Objects::nonNull)
            .map(Path::toAbsolutePath).toList());
    // splice moves request data between socket and image in the kernel, sparing nbd-server a
    // copy: as a deployment tuned for speed would run it.
    String text = "[generic]\nlistenaddr = 127.0.0.1\nport = " + port + "\nallowlist = false\n"
        + "splice = true\n"
        + exports.stream().map(Export::section).collect(Collectors.joining());
    Files.writeString(server.config, text);
    server.start();
    return server;
  }

  /** A TCP port on 127.0.0.1 that nothing listens on right now. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Starts the server again with the same config and port, after {@link #kill} or {@link #stop}. */
  public void start() throws IOException {
    if (pid != 0 && alive(pid)) {
      throw new IllegalStateException("nbd-server " + pid + " is still running");
    }
    Files.deleteIfExists(pidFile);
    for (Path log : transactionLogs) {
      if (!Files.exists(log)) {
        Files.createFile(log); // so that its inode, and so its semaphore, is known before start
      }
    }
    clearLogSemaphores();
    Process launcher;
    try {
      launcher = new ProcessBuilder("nbd-server", "-C", config.toString(), "-p",
          pidFile.toString())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
          .start();
    } catch (IOException e) {
      throw new IOException("cannot run nbd-server (" + e.getMessage() + "); install it with"
          + " scripts/setup.sh or apt-get install nbd-server", e);
    }
    try {
      if (!launcher.waitFor(START_LIMIT.toMillis(), TimeUnit.MILLISECONDS)
          || launcher.exitValue() != 0) {
        launcher.destroyForcibly();
        throw new IOException("nbd-server did not start; its output: " + log());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting nbd-server", e);
    }
    awaitCondition(() -> Files.exists(pidFile) && readPid() > 0,
        "nbd-server to write " + pidFile);
    pid = readPid();
    awaitCondition(() -> listening(port) || !alive(pid), "nbd-server to listen on port " + port);
    if (!alive(pid)) {
      pid = 0;
      throw new IOException("nbd-server exited at start; its output: " + log());
    }
  }

  public int port() {
    return port;
  }

  /** The daemon's process id, 0 when it is not running. */
  public long pid() {
    return pid;
  }

  /** The address of export {@code name} on this server. */
  public NbdAddress address(String name) {
    return new NbdAddress("127.0.0.1", port, name);
  }

  /** Stops the server with SIGTERM, and with it every connection. */
  public void stop() throws IOException {
    if (pid == 0) {
      return;
    }
    signal("TERM", List.of(pid));
    awaitGone();
    clearLogSemaphores();
  }

  /** Kills the server and its per-connection children with SIGKILL, as a crash. */
  public void kill() throws IOException {
    if (pid == 0) {
      return;
    }
    List<Long> all = family();
    signal("KILL", all);
    awaitGone();
    clearLogSemaphores();
  }

  /** Stops the server and its children with SIGSTOP: connections stay up, nothing is answered. */
  public void pause() throws IOException {
    signal("STOP", family());
  }

  /** Lets a paused server go on. */
  public void resume() throws IOException {
    signal("CONT", family());
  }

  /** The server's output and what nbd-server logged to it. */
  public String log() {
    try {
      return Files.readString(logFile, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws IOException {
    stop();
  }

  /**
   * Removes nbd-server's semaphores for this server's transaction logs. Each child serialises
   * its log writes with a named POSIX semaphore, {@code /dev/shm/sem.nbd-server-DEV-INODE} of
   * the log file, and unlinks it only when it ends normally. A child killed while holding it
   * leaves it locked, and every later child on a log with that device and inode (the same file
   * after a restart, or a new file given a freed inode, in this run or a later one) waits on it
   * forever and answers no request: seen as hung writes in NbdBlockDeviceTest.
   */
  private void clearLogSemaphores() throws IOException {
    for (Path log : transactionLogs) {
      if (!Files.exists(log)) {
        continue;
      }
      long dev = (Long) Files.getAttribute(log, "unix:dev");
      long inode = (Long) Files.getAttribute(log, "unix:ino");
      Files.deleteIfExists(Path.of("/dev/shm", "sem.nbd-server-" + Long.toHexString(dev) + "-"
          + Long.toHexString(inode)));
    }
  }

  private List<Long> family() {
    List<Long> all = new ArrayList<>();
    ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> all.add(d.pid())));
    all.add(pid);
    return all;
  }

  private void awaitGone() throws IOException {
    long p = pid;
    awaitCondition(() -> !alive(p) && !listening(port), "nbd-server " + p + " to exit");
    pid = 0;
  }

  private static void signal(String signal, List<Long> pids) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("kill", "-" + signal));
    pids.forEach(p -> cmd.add(Long.toString(p)));
    try {
      // A process that exited meanwhile makes kill fail for it alone; the others still get it.
      new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while signalling nbd-server", e);
    }
  }

  private long readPid() {
    try {
      String s = Files.readString(pidFile).trim();
      return s.isEmpty() ? -1 : Long.parseLong(s);
    } catch (NoSuchFileException e) {
      return -1;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Whether {@code pid} runs; a zombie (exited, not yet reaped) does not. */
  static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether something listens on 127.0.0.1:{@code port}, read from /proc/net/tcp. */
  static boolean listening(int port) {
    String local = String.format(Locale.ROOT, "0100007F:%04X", port);
    try {
      for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 3 && f[1].equals(local) && f[3].equals("0A")) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  private void awaitCondition(BooleanSupplier condition, String what) throws IOException {
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IOException("timed out after " + START_LIMIT.toSeconds() + " s waiting for "
            + what + "; its output: " + log());
      }
      try {
        Thread.sleep(5); // polling a condition another process changes, with a deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + what, e);
      }
    }
  }
}
