package org.gfsj.lockd.server;

import java.io.Closeable;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.gfsj.lockd.proto.Batch;
import org.gfsj.lockd.proto.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: requests from this peer's clients wait here while the previous batch is in
 * flight to the Raft leader, and leave together as one log entry, as a journal commits. A lone
 * client pays one Raft round trip per request; many clients share each entry, so throughput
 * grows with load instead of the log's entry rate capping it. One entry in flight per peer (so
 * three or five at the leader) measured better than three per peer: on two busy cores the cost
 * of an entry (RPCs, appends, applies on every replica) dominates, so fewer, fuller entries win.
 *
 * <p>All state belongs to one sender thread. Network threads only enqueue, and Ratis completions
 * hop onto the sender thread, so neither waits on the other's locks (Ratis completes futures
 * while holding its own window lock) and a full Ratis window never stalls a Netty event loop.
 */
final class Batcher implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);
  static final int IN_FLIGHT = 1;
  static final int MAX_REQUESTS_PER_ENTRY = 4096;

  private final RaftClient raft;
  private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "lockd-batcher");
    t.setDaemon(true);
    return t;
  });
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private int inFlight;

  Batcher(RaftClient raft) {
    this.raft = raft;
  }

  void submit(Request request) {
    sender.execute(() -> {
      waiting.add(request);
      sendWhileRoom();
    });
  }

  /**
   * Sends an entry even when no request waits (none if one is in flight or waiting anyway), so
   * that the leader's stamp on it (time, client address) reaches the log.
   */
  void stamp() {
    sender.execute(() -> {
      if (inFlight == 0 && waiting.isEmpty()) {
        send(Batch.getDefaultInstance(), 0);
      }
    });
  }

  private void sendWhileRoom() {
    while (inFlight < IN_FLIGHT && !waiting.isEmpty()) {
      Batch.Builder batch = Batch.newBuilder();
      while (!waiting.isEmpty() && batch.getRequestsCount() < MAX_REQUESTS_PER_ENTRY) {
        batch.addRequests(waiting.poll());
      }
      send(batch.build(), batch.getRequestsCount());
    }
  }

  private void send(Batch batch, int count) {
    inFlight++;
    raft.async()
        .send(Message.valueOf(UnsafeByteOperations.unsafeWrap(batch.toByteArray())))
        .whenCompleteAsync((reply, error) -> {
          if (error != null) {
            // Clients time out and retry through another peer; their sessions make that safe.
            LOG.warn("batch of {} requests not committed: {}", count, error.toString());
          }
          inFlight--;
          sendWhileRoom();
        }, sender);
  }

  @Override
  public void close() {
    sender.shutdownNow();
  }
}
