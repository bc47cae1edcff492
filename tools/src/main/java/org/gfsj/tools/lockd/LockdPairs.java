package org.gfsj.tools.lockd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.gfsj.lockd.client.LockdAdmin;
import org.gfsj.lockd.client.LockdClient;
import org.gfsj.lockd.client.LockdClientConfig;
import org.gfsj.lockd.client.LockdListener;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;

/** Lock+unlock pairs through {@link LockdClient}, one registered node per session. */
final class LockdPairs implements PairRunner {
  private final List<InetSocketAddress> peers;
  private final List<LockdClient> clients = new ArrayList<>();
  private final Supplier<Duration> serverCpu;
  private int generation;

  LockdPairs(List<InetSocketAddress> peers, Supplier<Duration> serverCpu) {
    this.peers = peers;
    this.serverCpu = serverCpu;
  }

  @Override
  public Duration serverCpu() {
    return serverCpu.get();
  }

  /** The highest applied index any peer reports (the leader's, give or take an entry). */
  @Override
  public OptionalLong logEntries() {
    long most = -1;
    try (LockdAdmin admin = new LockdAdmin(2_000, null)) {
      for (InetSocketAddress peer : peers) {
        try {
          most = Math.max(most, admin.status(peer).getAppliedIndex());
        } catch (IOException e) {
          // A peer that does not answer cannot be the only one that applied anything.
        }
      }
    }
    return most < 0 ? OptionalLong.empty() : OptionalLong.of(most);
  }

  @Override
  public String name() {
    return "gfs-lockd";
  }

  @Override
  public void open(int count) throws Exception {
    generation++;
    List<CompletableFuture<LockdClient>> pending = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      pending.add(LockdClient.connect(LockdClientConfig.defaults(peers,
          "bench-" + generation + "-" + i), new LockdListener() {}));
    }
    for (CompletableFuture<LockdClient> f : pending) {
      clients.add(f.get(60, TimeUnit.SECONDS));
    }
  }

  @Override
  public CompletableFuture<Long> pair(int client, String resource) {
    LockdClient c = clients.get(client);
    ResourceName name = new ResourceName(100, resource.hashCode() & 0xffffffffL);
    long start = System.nanoTime();
    return c.lock(name, LockMode.EX, false).thenCompose(g -> {
      long locked = System.nanoTime() - start;
      return c.unlock(name, null).thenApply(v -> locked);
    });
  }

  @Override
  public void close() {
    clients.parallelStream().forEach(LockdClient::close);
    clients.clear();
  }
}
