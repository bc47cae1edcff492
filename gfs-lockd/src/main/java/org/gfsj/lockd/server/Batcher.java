package org.gfsj.lockd.server;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.gfsj.lockd.proto.Batch;
import org.gfsj.lockd.proto.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: requests from this peer's clients wait here while an earlier batch is in flight
 * to the Raft leader, and leave together as one log entry, as a journal commits. A lone client
 * pays one Raft round trip per request; many clients share each entry, so throughput grows with
 * load instead of the log's entry rate capping it.
 *
 * <h2>Two lanes: a release someone waits for does not queue behind a batch</h2>
 * Clients follow the leader, so nearly all requests enter at one peer. With a single entry in
 * flight there, the release of a contended lock waits behind the entry in flight (often full of
 * new lock requests) before its own entry can carry the handoff: up to two Raft round trips per
 * handoff instead of one. So there are two lanes, each its own Raft client with one entry in
 * flight: the main lane, and an express lane for <em>urgent</em> requests, releases that another
 * node is known to wait for (the caller decides, see {@code ClientEndpoint}). Everything else
 * stays on the main lane, because on two busy cores an entry costs far more CPU than a request
 * in it: two lanes for all traffic doubled the peers' CPU per lock+unlock pair and halved
 * throughput in {@code gfs-tool lockd bench}.
 *
 * <p>Per-client order: a client's requests stay on one lane for as long as any of them is
 * waiting or in flight here (a lane keeps arrival order, and Ratis applies one client's entries
 * in order); only a client with nothing outstanding may start on the other lane, and its earlier
 * requests were applied by then, since an entry completes once the leader applied it. Exactly
 * once stays per client (sessions, see {@code ClientSessions}), whatever the lane.
 *
 * <p>All state belongs to one sender thread. Network threads only enqueue, and Ratis completions
 * hop onto the sender thread, so neither waits on the other's locks (Ratis completes futures
 * while holding its own window lock) and a full Ratis window never stalls a Netty event loop.
 */
final class Batcher implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);
  static final int MAX_REQUESTS_PER_ENTRY = 4096;

  private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "lockd-batcher");
    t.setDaemon(true);
    return t;
  });
  private final Replica replica;
  /** Who this peer's entries come from when it hands them to its own server. */
  private final ClientId localClient = ClientId.randomId();
  /** Call ids of the entries handed to the own server; the sender thread's. */
  private long nextCallId;
  private final Lane main;
  private final Lane express;
  /** Per client with requests waiting or in flight here: their lane and how many there are. */
  private final Map<Long, Outstanding> outstanding = new HashMap<>();

  private static final class Outstanding {
    final Lane lane;
    int count;

    Outstanding(Lane lane) {
      this.lane = lane;
    }
  }

  /** One Raft client and the requests waiting for its entry in flight. */
  private final class Lane {
    final RaftClient raft;
    final ArrayDeque<Request> waiting = new ArrayDeque<>();
    boolean inFlight;

    Lane(RaftClient raft) {
      this.raft = raft;
    }

    void sendIfIdle() {
      if (inFlight || waiting.isEmpty()) {
        return;
      }
      Batch.Builder batch = Batch.newBuilder();
      while (!waiting.isEmpty() && batch.getRequestsCount() < MAX_REQUESTS_PER_ENTRY) {
        batch.addRequests(waiting.poll());
      }
      send(batch.build());
    }

    void send(Batch batch) {
      inFlight = true;
      committed(Message.valueOf(UnsafeByteOperations.unsafeWrap(batch.toByteArray())))
          .whenCompleteAsync((reply, error) -> {
            if (error != null) {
              // Clients time out and retry through another peer; their sessions make that safe.
              LOG.warn("batch of {} requests not committed: {}", batch.getRequestsCount(),
                  error.toString());
            }
            inFlight = false;
            done(batch.getRequestsList());
            sendIfIdle();
          }, sender);
    }

    /**
     * Completes once the entry is committed and applied on the leader. While this peer leads,
     * the entry goes straight to its own Raft server: no encoding, loopback connection and
     * decoding of a client request, and two thread hops less per entry. Otherwise, or if the
     * local server refuses (leadership just moved), the Raft client finds the leader. A refused
     * entry sent again can only apply twice if the local server had accepted it after all;
     * the client sessions answer a repeated request from their cache.
     */
    private CompletableFuture<RaftClientReply> committed(Message message) {
      if (!replica.isLeader()) {
        return raft.async().send(message);
      }
      return replica.submitLocally(localClient, nextCallId++, message)
          .handle((reply, error) -> {
            if (error == null && reply.isSuccess()) {
              return CompletableFuture.completedFuture(reply);
            }
            LOG.debug("own Raft server refused a batch ({}); sending it through the leader",
                error != null ? error.toString() : reply.getException());
            return raft.async().send(message);
          })
          .thenCompose(f -> f);
    }
  }

  /** The lanes' Raft clients come from {@code replica}; they are closed with this batcher. */
  Batcher(Replica replica) {
    this.replica = replica;
    this.main = new Lane(replica.newClient());
    this.express = new Lane(replica.newClient());
  }

  /**
   * Queues {@code request} for the log. {@code urgent}: a release another node waits for,
   * which may leave at once in an entry of its own.
   */
  void submit(Request request, boolean urgent) {
    sender.execute(() -> {
      Outstanding o = outstanding.get(request.getClientId());
      if (o == null) {
        o = new Outstanding(urgent ? express : main);
        outstanding.put(request.getClientId(), o);
      }
      o.count++;
      o.lane.waiting.add(request);
      o.lane.sendIfIdle();
    });
  }

  private void done(List<Request> requests) {
    for (Request r : requests) {
      Outstanding o = outstanding.get(r.getClientId());
      if (o != null && --o.count == 0) {
        outstanding.remove(r.getClientId());
      }
    }
  }

  /**
   * Sends an entry even when no request waits (none if an entry is in flight anyway), so that
   * the leader's stamp on it (time, client address) reaches the log.
   */
  void stamp() {
    sender.execute(() -> {
      if (!main.inFlight && main.waiting.isEmpty()) {
        main.send(Batch.getDefaultInstance());
      }
    });
  }

  @Override
  public void close() {
    sender.shutdownNow();
    for (Lane lane : List.of(main, express)) {
      try {
        lane.raft.close();
      } catch (IOException e) {
        LOG.warn("closing a Raft client: {}", e.toString());
      }
    }
  }
}
