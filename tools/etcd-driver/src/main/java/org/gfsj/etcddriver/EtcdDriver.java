package org.gfsj.etcddriver;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The etcd side of {@code gfs-tool lockd bench --etcd}: a JVM of its own that takes and releases
 * etcd locks through jetcd, whose protobuf 3, Netty 4.1 and Vert.x cannot share the bench's
 * class path. Started as {@code EtcdDriver URL[,URL...]} (the members' client URLs), it answers
 * one line per request on stdout, and exits when stdin ends:
 *
 * <pre>
 *   open N                       -> opened | error MESSAGE     N sessions, session i on member i % members
 *   pair ID SESSION RESOURCE [HOLD_MICROS]
 *                                -> done ID LOCK_NANOS | fail ID MESSAGE
 *   close                        -> closed | error MESSAGE     revokes the leases, closes the clients,
 *                                                              once every pair has been answered
 * </pre>
 *
 * Pairs run concurrently and their answers come in completion order, matched by ID. LOCK_NANOS
 * is the time from sending the lock request to its grant, measured here, so the pipe between
 * the bench and the driver does not count in it. HOLD_MICROS (default 0) keeps the lock that
 * long before the unlock, so that a test can see overlapping holders if there are any. stdout
 * carries only the answers: anything a library prints there goes to stderr.
 */
public final class EtcdDriver {
  private final List<String> endpoints;
  private final Writer answers;
  private final HolderCount holders = new HolderCount();
  private final List<EtcdSession> sessions = new ArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  EtcdDriver(List<String> endpoints, Writer answers) {
    this.endpoints = endpoints;
    this.answers = answers;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1 || args[0].isBlank()) {
      System.err.println("usage: EtcdDriver URL[,URL...]   (etcd client URLs, e.g. "
          + "http://127.0.0.1:2379); requests on stdin, answers on stdout");
      System.exit(2);
    }
    Writer answers = new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
        StandardCharsets.UTF_8);
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true,
        StandardCharsets.UTF_8));
    EtcdDriver driver = new EtcdDriver(List.of(args[0].split(",")), answers);
    try (BufferedReader requests = new BufferedReader(
        new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line; (line = requests.readLine()) != null; ) {
        driver.handle(line.trim());
      }
    } finally {
      driver.closeSessions();
    }
    // jetcd's and Vert.x's non-daemon threads would keep an idle JVM alive.
    System.exit(0);
  }

  void handle(String line) throws IOException {
    String[] words = line.split(" ");
    try {
      switch (words[0]) {
        case "open" -> {
          open(Integer.parseInt(words[1]));
          answer("opened");
        }
        case "pair" -> pair(words);
        case "close" -> {
          if (inFlight.get() > 0) {
            throw new IllegalStateException(inFlight.get() + " pairs still unanswered");
          }
          closeSessions();
          answer("closed");
        }
        default -> answer("error unknown request: " + line);
      }
    } catch (Exception e) {
      answer("error " + line + ": " + message(e));
    }
  }

  private void open(int count) throws Exception {
    if (!sessions.isEmpty()) {
      throw new IllegalStateException(sessions.size() + " sessions are open already; close first");
    }
    List<CompletableFuture<EtcdSession>> pending = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      pending.add(EtcdSession.open(endpoints.get(i % endpoints.size())));
    }
    try {
      for (CompletableFuture<EtcdSession> f : pending) {
        sessions.add(f.get(60, TimeUnit.SECONDS));
      }
    } catch (Exception e) {
      for (CompletableFuture<EtcdSession> f : pending) {
        f.thenAccept(sessions::add);
      }
      closeSessions();
      throw e;
    }
  }

  private void pair(String[] words) throws IOException {
    if (words.length < 4 || words.length > 5) {
      throw new IllegalArgumentException("want: pair ID SESSION RESOURCE [HOLD_MICROS]");
    }
    String id = words[1];
    int session = Integer.parseInt(words[2]);
    if (session < 0 || session >= sessions.size()) {
      answer("fail " + id + " no session " + session + " (" + sessions.size() + " open)");
      return;
    }
    long holdNanos = words.length == 5 ? TimeUnit.MICROSECONDS.toNanos(Long.parseLong(words[4]))
        : 0;
    inFlight.incrementAndGet();
    sessions.get(session).pair(words[3], holdNanos, holders).whenComplete((lockNanos, error) -> {
      inFlight.decrementAndGet();
      try {
        answer(error == null ? "done " + id + " " + lockNanos : "fail " + id + " " + message(error));
      } catch (IOException e) {
        // The bench has gone; the driver ends when its stdin does.
      }
    });
  }

  private void closeSessions() {
    sessions.parallelStream().forEach(s -> {
      try {
        s.close();
      } catch (Exception e) {
        System.err.println("closing an etcd session: " + message(e));
      }
    });
    sessions.clear();
  }

  private void answer(String line) throws IOException {
    synchronized (answers) {
      answers.write(line);
      answers.write('\n');
      answers.flush();
    }
  }

  /** One line: the answer protocol is line-based. */
  private static String message(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return (t.getClass().getSimpleName() + ": " + t.getMessage()).replaceAll("\\s+", " ");
  }
}
