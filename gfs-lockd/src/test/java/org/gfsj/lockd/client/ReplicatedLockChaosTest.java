package org.gfsj.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.testing.Await;
import org.gfsj.lockd.testing.PeerProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three lockd peers in their own JVMs, clients in this one taking conflicting locks, and a chaos
 * loop killing the leader (SIGKILL) and restarting it. Afterwards {@link GrantChecker} must find
 * no incompatible holds and every request must have been answered; with a deliberately broken
 * grant rule the same checker must find some.
 */
class ReplicatedLockChaosTest {
  private static final int CLIENTS = 8;
  private static final int KILLS = 4;
  private static final long ANSWER_SECONDS = 30;
  private static final ResourceName[] RESOURCES = {
    new ResourceName(2, 1), new ResourceName(2, 2), new ResourceName(3, 1)
  };

  @TempDir Path dir;
  private PeerProcesses peers;
  private final List<LockdClient> clients = new ArrayList<>();
  private final List<Thread> workers = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong completedOps = new AtomicLong();
  private final GrantLog log = new GrantLog();

  @AfterEach
  void stopEverything() throws Exception {
    stop.set(true);
    for (Thread t : workers) {
      t.join(TimeUnit.SECONDS.toMillis(ANSWER_SECONDS * 3));
    }
    for (LockdClient c : clients) {
      c.close();
    }
    if (peers != null) {
      peers.close();
    }
  }

  private void startClients(LockMode[] modes) throws Exception {
    for (int i = 0; i < CLIENTS; i++) {
      int client = i;
      LockdClient c = LockdClient.connect(new LockdClientConfig(peers.clientAddresses(),
          "node" + i, 10_000, 500, 3_000, 2_000), new LockdListener() {
            @Override
            public void selfFenced(String why) {
              log.problem("client " + client + " fenced itself: " + why);
            }
          }).get(60, TimeUnit.SECONDS);
      clients.add(c);
      Thread t = new Thread(() -> work(client, c, modes), "worker-" + i);
      workers.add(t);
    }
    workers.forEach(Thread::start);
  }

  /** Lock, hold briefly, sometimes convert, unlock; log every hold; until told to stop. */
  private void work(int client, LockdClient c, LockMode[] modes) {
    Random random = new Random(client);
    try {
      while (!stop.get()) {
        ResourceName r = RESOURCES[random.nextInt(RESOURCES.length)];
        LockMode mode = modes[random.nextInt(modes.length)];
        boolean noQueue = random.nextInt(5) == 0;
        if (!answered(client, "lock " + r + " " + mode, () -> c.lock(r, mode, noQueue)
            .get(ANSWER_SECONDS, TimeUnit.SECONDS))) {
          continue;
        }
        long from = System.nanoTime();
        LockMode held = mode;
        Thread.sleep(random.nextInt(3));
        if (random.nextInt(4) == 0) {
          // The old mode's hold ends in the log when the conversion is sent: lockd may switch
          // modes (CW to PR, say) before this client learns of it, and another client granted
          // a mode compatible with the new one may learn first.
          LockMode next = modes[random.nextInt(modes.length)];
          log.hold(client, r, held, from, System.nanoTime());
          boolean ok = answered(client, "convert " + r + " to " + next,
              () -> c.convert(r, next, random.nextBoolean(), null)
                  .get(ANSWER_SECONDS, TimeUnit.SECONDS));
          if (ok) {
            held = next;
          }
          from = System.nanoTime();
          Thread.sleep(random.nextInt(3));
        }
        log.hold(client, r, held, from, System.nanoTime());
        answered(client, "unlock " + r, () -> c.unlock(r, null)
            .get(ANSWER_SECONDS, TimeUnit.SECONDS));
        completedOps.incrementAndGet();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.problem("client " + client + " failed: " + e);
    }
  }

  private interface Call {
    Object run() throws Exception;
  }

  /** True if granted/done; false if lockd said no; a missing answer is logged as a problem. */
  private boolean answered(int client, String what, Call call) throws InterruptedException {
    try {
      call.run();
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof LockdException le
          && (le.outcome() == LockdException.Outcome.NOT_GRANTED
              || le.outcome() == LockdException.Outcome.DEADLOCK)) {
        return false;
      }
      log.problem("client " + client + " " + what + ": " + e.getCause());
      stop.set(true);
      return false;
    } catch (TimeoutException e) {
      log.problem("client " + client + " " + what + ": no answer in " + ANSWER_SECONDS + " s");
      stop.set(true);
      return false;
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      log.problem("client " + client + " " + what + ": " + e);
      return false;
    }
  }

  private void awaitProgress(long ops) {
    long target = completedOps.get() + ops;
    Await.until(Duration.ofSeconds(60), ops + " more lock/unlock cycles",
        () -> completedOps.get() >= target || stop.get());
  }

  @Test
  void noIncompatibleHoldsAndEveryRequestAnsweredWhileLeadersDie() throws Exception {
    peers = new PeerProcesses(dir, logs("chaos"), 3, List.of());
    peers.startAll();
    startClients(LockMode.values());
    awaitProgress(50);
    for (int kill = 0; kill < KILLS && !stop.get(); kill++) {
      String leader = peers.awaitLeader(Duration.ofSeconds(30), "a leader");
      String victim = kill == KILLS - 1 ? followerOf(leader) : leader;
      peers.kill(victim);
      awaitProgress(30);
      peers.start(victim);
      peers.awaitReady(victim);
      awaitProgress(30);
    }
    stop.set(true);
    for (Thread t : workers) {
      t.join(TimeUnit.SECONDS.toMillis(ANSWER_SECONDS * 3));
      assertFalse(t.isAlive(), t.getName() + " still waiting for an answer");
    }
    assertEquals(List.of(), log.problems());
    assertEquals(List.of(), GrantChecker.violations(log.holds()));
    assertTrue(log.holds().size() > 200, "only " + log.holds().size() + " holds logged");
    // Clients leave, so renewals stop and the log comes to rest.
    for (LockdClient c : clients) {
      c.close();
    }
    clients.clear();
    awaitSameState();
  }

  private static Path logs(String test) {
    return Path.of("target", "peer-logs", test + "-" + System.currentTimeMillis());
  }

  private String followerOf(String leader) {
    return peers.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
  }

  /** Once quiet, all three replicas must have applied the same entries into the same state. */
  private void awaitSameState() {
    Await.until(Duration.ofSeconds(60), "all replicas at the same index with the same state",
        () -> {
          try {
            var first = peers.status("n1");
            for (String id : peers.ids()) {
              var s = peers.status(id);
              if (s.getAppliedIndex() != first.getAppliedIndex()
                  || !s.getStateDigest().equals(first.getStateDigest())) {
                return false;
              }
            }
            return true;
          } catch (java.io.IOException e) {
            return false;
          }
        });
  }

  @Test
  void theCheckerCatchesABrokenGrantRule() throws Exception {
    peers = new PeerProcesses(dir, logs("broken-rule"), 3,
        List.of("--unsafe-compatible-pair", "PR,PW"));
    peers.startAll();
    startClients(new LockMode[] {LockMode.PR, LockMode.PW});
    Await.until(Duration.ofSeconds(60), "the checker to see PR and PW held together",
        () -> !GrantChecker.violations(log.holds()).isEmpty());
    stop.set(true);
  }
}
