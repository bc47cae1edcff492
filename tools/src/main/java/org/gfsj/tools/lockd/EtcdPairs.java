package org.gfsj.tools.lockd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Lock+unlock pairs through etcd's own lock API (v3lock: Lock under a lease, Unlock by key),
 * taken by jetcd in the etcd driver process (tools/etcd-driver, {@code EtcdDriver} documents
 * its line protocol): jetcd's protobuf 3, Netty 4.1 and Vert.x cannot share this JVM's class
 * path. Each session is a jetcd client with its own connection and lease, sessions spread over
 * the members. The driver measures the time to the grant; the pair latency measured here
 * includes the pipe to the driver and back, tens of microseconds against milliseconds.
 */
final class EtcdPairs implements PairRunner {
  private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(120);

  private final Process driver;
  private final Path log;
  private final Supplier<Duration> serverCpu;
  private final long holdMicros;
  private final Writer requests;
  private final Map<Long, CompletableFuture<Long>> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong();
  private volatile CompletableFuture<String> control;
  private volatile IllegalStateException gone;

  /**
   * Talks to {@code driver}, whose stderr goes to {@code log}. Each lock is held for
   * {@code hold} before its unlock (zero in the benchmark).
   */
  EtcdPairs(Process driver, Path log, Supplier<Duration> serverCpu, Duration hold) {
    this.driver = driver;
    this.log = log;
    this.serverCpu = serverCpu;
    this.holdMicros = TimeUnit.NANOSECONDS.toMicros(hold.toNanos());
    this.requests = new OutputStreamWriter(driver.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(this::readAnswers, "etcd-driver-answers");
    reader.setDaemon(true);
    reader.start();
  }

  @Override
  public String name() {
    return "etcd 3.4 (jetcd 0.7.7)";
  }

  @Override
  public Duration serverCpu() {
    return serverCpu.get();
  }

  @Override
  public void open(int clients) throws Exception {
    request("open " + clients, "opened");
  }

  @Override
  public CompletableFuture<Long> pair(int client, String resource) {
    if (resource.isEmpty() || resource.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("resource names go on a line of words: '" + resource
          + "'");
    }
    long id = nextId.incrementAndGet();
    CompletableFuture<Long> done = new CompletableFuture<>();
    pending.put(id, done);
    try {
      send("pair " + id + " " + client + " " + resource + " " + holdMicros);
    } catch (IOException e) {
      pending.remove(id);
      done.completeExceptionally(driverGone());
    }
    if (gone != null && pending.remove(id) != null) {
      // The reader may have failed everything pending just before this pair was added.
      done.completeExceptionally(gone);
    }
    return done;
  }

  @Override
  public void close() throws Exception {
    request("close", "closed");
  }

  /** Sends a request that waits for the whole driver, and awaits its {@code expected} answer. */
  private void request(String line, String expected) throws Exception {
    CompletableFuture<String> answer = new CompletableFuture<>();
    control = answer;
    try {
      if (gone != null) {
        throw gone;
      }
      send(line);
      String got = answer.get(CONTROL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (!got.equals(expected)) {
        throw new IllegalStateException("etcd driver answered '" + got + "' to '" + line + "'");
      }
    } catch (IOException e) {
      throw driverGone();
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    } catch (TimeoutException e) {
      throw new IllegalStateException("etcd driver did not answer '" + line + "' within "
          + CONTROL_TIMEOUT + "; see " + log, e);
    } finally {
      control = null;
    }
  }

  private void send(String line) throws IOException {
    synchronized (requests) {
      requests.write(line);
      requests.write('\n');
      requests.flush();
    }
  }

  private void readAnswers() {
    IllegalStateException end;
    try (BufferedReader answers = new BufferedReader(
        new InputStreamReader(driver.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = answers.readLine()) != null; ) {
        answer(line);
      }
      end = driverGone();
    } catch (IOException e) {
      end = driverGone();
    } catch (RuntimeException e) {
      end = new IllegalStateException(e.getMessage() + "; the etcd driver's log is " + log, e);
    }
    gone = end;
    CompletableFuture<String> waiting = control;
    if (waiting != null) {
      waiting.completeExceptionally(end);
    }
    for (Long id : new ArrayList<>(pending.keySet())) {
      CompletableFuture<Long> f = pending.remove(id);
      if (f != null) {
        f.completeExceptionally(end);
      }
    }
  }

  private void answer(String line) {
    String[] words = line.split(" ", 3);
    switch (words[0]) {
      case "done" -> pairAnswered(words, line).complete(Long.parseLong(words[2]));
      case "fail" -> pairAnswered(words, line).completeExceptionally(
          new IllegalStateException("etcd lock pair failed: " + words[2]));
      case "error" -> {
        IllegalStateException e = new IllegalStateException("etcd driver: "
            + line.substring("error".length()).trim());
        CompletableFuture<String> waiting = control;
        if (waiting != null) {
          waiting.completeExceptionally(e);
        } else {
          throw e;
        }
      }
      default -> {
        CompletableFuture<String> waiting = control;
        if (waiting == null) {
          throw new IllegalStateException("etcd driver answered '" + line + "' unasked");
        }
        waiting.complete(line);
      }
    }
  }

  private CompletableFuture<Long> pairAnswered(String[] words, String line) {
    CompletableFuture<Long> f = words.length == 3 ? pending.remove(Long.parseLong(words[1])) : null;
    if (f == null) {
      throw new IllegalStateException("etcd driver answered '" + line + "' to no pair asked");
    }
    return f;
  }

  private IllegalStateException driverGone() {
    String status;
    try {
      status = driver.waitFor(5, TimeUnit.SECONDS) ? "exited with status " + driver.exitValue()
          : "stopped answering";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = "stopped answering";
    }
    return new IllegalStateException("the etcd driver " + status + "; its log is " + log);
  }
}
