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
import org.gfsj.lockd.wire.ClusterSecret;

/**
 * Lock+unlock pairs through {@link LockdClient}, one registered node per session; sessions and
 * status queries show the cluster secret when the peers demand one.
 */
final class LockdPairs implements PairRunner {
  private final String name;
  private final List<InetSocketAddress> peers;
  private final ClusterSecret secret;
  private final List<LockdClient> clients = new ArrayList<>();
  private final Supplier<Duration> serverCpu;
  private int generation;

  /**
   * {@code name} is the system as the table names it; {@code secret} is the cluster secret the
   * peers were started with, or null.
   */
  LockdPairs(String name, List<InetSocketAddress> peers, ClusterSecret secret,
      Supplier<Duration> serverCpu) {
    this.name = name;
    this.peers = peers;
    this.secret = secret;
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
    try (LockdAdmin admin = new LockdAdmin(2_000, secret)) {
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
    return name;
  }

  @Override
  public void open(int count) throws Exception {
    generation++;
    List<CompletableFuture<LockdClient>> pending = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      LockdClientConfig config =
          LockdClientConfig.defaults(peers, "bench-" + generation + "-" + i).withSecret(secret);
      pending.add(LockdClient.connect(config, new LockdListener() {}));
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
