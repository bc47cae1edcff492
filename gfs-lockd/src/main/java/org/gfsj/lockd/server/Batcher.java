package org.gfsj.lockd.server;

import io.netty.channel.EventLoop;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
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
 * <h2>Waiting for the clients just answered</h2>
 * When an entry applies, the clients it answered usually send their next request at once (the
 * unlock after a grant, the next lock after an unlock); the client endpoint tells how many
 * ({@link #expect}). Until that many requests have arrived, for at most half an entry's round
 * trip and never over {@link #MAX_LINGER_NANOS}, nothing leaves: otherwise the first of them
 * left alone in an entry and the rest waited a whole Raft round trip behind it (64 closed-loop
 * clients settled into two alternating halves, about 30 requests per entry). A lone client
 * loses nothing: its request is the one expected.
 * And when both lanes are free, one entry takes both lanes' requests: on one contended lock
 * the release (express) and the previous holder's next lock (main) then share an entry.
 *
 * <p>Per-client order: a client's requests stay on one lane for as long as any of them is
 * waiting or in flight here (a lane keeps arrival order, and Ratis applies one client's entries
 * in order); only a client with nothing outstanding may start on the other lane, and its earlier
 * requests were applied by then, since an entry completes once the leader applied it. Exactly
 * once stays per client (sessions, see {@code ClientSessions}), whatever the lane.
 *
 * <p>All state belongs to one thread, the event loop of the peer's client connections: a
 * request read there is queued and sent without waking another thread, and the apply thread's
 * deliveries, expectations and Ratis's completions reach it as tasks, which one wake-up of the
 * loop runs together. On two busy cores every thread wake-up per entry counts (a Raft entry
 * costs the peers several of them already). Handing an entry to the own Raft server from the
 * loop costs it no more than its append; through the Raft client (when this peer does not
 * lead) the loop waits only once, while the client first connects (tens of ms), and never for
 * the client's window, since each lane has one entry in flight. Ratis completes futures while
 * holding its own locks, so completions always come back as tasks, never run inline.
 */
final class Batcher implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);
  static final int MAX_REQUESTS_PER_ENTRY = 4096;
  /**
   * Wait for expected requests: half the recent entry round trip (the time a late request
   * would lose otherwise), within these bounds.
   */
  static final long MIN_LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
  static final long MAX_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  /** How soon an entry refused by a leader not ready yet is offered to it again. */
  static final long NOT_READY_RETRY_MILLIS = 10;

  private final Replica replica;
  /** The one thread all state below belongs to; the client endpoint's event loop. */
  private final EventLoop loop;
  /** Who this peer's entries come from when it hands them to its own server. */
  private final ClientId localClient = ClientId.randomId();
  /** Call ids of the entries handed to the own server; the loop's. */
  private long nextCallId;
  private final Lane main;
  private final Lane express;
  /** Per client with requests waiting or in flight here: their lane and how many there are. */
  private final Map<Long, Outstanding> outstanding = new HashMap<>();
  /** Requests still expected from clients just answered ({@link #expect}). */
  private int expected;
  /** Until when entries wait for {@link #expected} requests. */
  private long lingerUntilNanos;
  private boolean wakeUpScheduled;
  /** Moving average of the time from sending an entry to its completion. */
  private long roundTripNanos = MIN_LINGER_NANOS;

  private static final class Outstanding {
    Lane lane;
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
    /** The entry in flight while it went through the Raft client (this peer did not lead). */
    Batch viaClient;
    /** Numbers the sends: only the latest attempt at the entry in flight completes it. */
    long attempt;

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

    /**
     * This peer leads now, but the entry in flight went through the Raft client to the previous
     * leader, which may be paused or gone: the client would wait out its request timeout there
     * (or chase stale leader hints) while every request of this peer's clients, now the
     * leader's, waits behind that entry. So the entry goes to the own server at once; the
     * earlier attempt's outcome is ignored. Should it commit too, its requests apply twice,
     * which the client sessions make harmless (a repeated request is answered from their cache;
     * renewals and resyncs may run twice).
     */
    void takeOverIfLeading() {
      if (viaClient != null && replica.isLeader()) {
        LOG.info("{} lane: this peer leads now; its entry of {} requests in flight to the "
            + "previous leader goes to its own server", this == main ? "main" : "express",
            viaClient.getRequestsCount());
        send(viaClient);
      }
    }

    void send(Batch batch) {
      inFlight = true;
      long mine = ++attempt;
      boolean leading = replica.isLeader();
      viaClient = leading ? null : batch;
      if (LOG.isTraceEnabled()) {
        LOG.trace("{} lane: entry of {} requests, {} expected", this == main ? "main" : "express",
            batch.getRequestsCount(), expected);
      }
      long sentNanos = System.nanoTime();
      CompletableFuture<RaftClientReply> committed;
      try {
        committed = committed(Message.valueOf(
            UnsafeByteOperations.unsafeWrap(batch.toByteArray())), leading);
      } catch (RuntimeException e) {
        // Whatever went wrong, the lane must not stay "in flight" for good; clients retry.
        committed = CompletableFuture.failedFuture(e);
      }
      committed.whenCompleteAsync((reply, error) -> {
        if (mine != attempt) {
          return;
        }
        viaClient = null;
        if (error != null) {
          // Clients time out and retry through another peer; their sessions make that safe.
          LOG.warn("batch of {} requests not committed: {}", batch.getRequestsCount(),
              error.toString());
        }
        inFlight = false;
        roundTripNanos += (System.nanoTime() - sentNanos - roundTripNanos) / 8;
        done(batch.getRequestsList());
        dispatch();
      }, loop);
    }

    /**
     * Completes once the entry is committed and applied on the leader. While this peer leads,
     * the entry goes straight to its own Raft server: no encoding, loopback connection and
     * decoding of a client request, and two thread hops less per entry. Otherwise, or if the
     * local server refuses (leadership just moved), the Raft client finds the leader. A refused
     * entry sent again can only apply twice if the local server had accepted it after all;
     * the client sessions answer a repeated request from their cache.
     *
     * <p>A new leader refuses entries until it has committed one of its own term ("not ready
     * yet"). Such an entry is offered to it again shortly rather than handed to the Raft client:
     * that client still believes in the previous leader, and if that one is paused or stale it
     * waits a whole Raft request timeout (seconds) on it, while this lane, the new leader's,
     * holds every request of its clients, and they give up on the leader one by one.
     */
    private CompletableFuture<RaftClientReply> committed(Message message, boolean leading) {
      if (!leading) {
        return raft.async().send(message);
      }
      return replica.submitLocally(localClient, nextCallId++, message)
          .handle((reply, error) -> {
            if (error == null && reply.isSuccess()) {
              return CompletableFuture.completedFuture(reply);
            }
            Throwable refusal = error != null ? error : reply.getException();
            if (notReadyYet(refusal) && replica.isLeader()) {
              return CompletableFuture.supplyAsync(() -> committed(message, replica.isLeader()),
                  CompletableFuture.delayedExecutor(NOT_READY_RETRY_MILLIS,
                      TimeUnit.MILLISECONDS, loop)).thenCompose(f -> f);
            }
            LOG.debug("own Raft server refused a batch ({}); sending it through the leader",
                refusal);
            return raft.async().send(message);
          })
          .thenCompose(f -> f);
    }
  }

  private static boolean notReadyYet(Throwable refusal) {
    for (Throwable t = refusal; t != null; t = t.getCause()) {
      if (t instanceof LeaderNotReadyException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The lanes' Raft clients come from {@code replica}; they are closed with this batcher.
   * {@code loop}, a single thread, runs all of it; {@link #submit} and {@link #expect} may be
   * called from any thread, and run inline when called on it.
   */
  Batcher(Replica replica, EventLoop loop) {
    this.replica = replica;
    this.loop = loop;
    this.main = new Lane(replica.newClient());
    this.express = new Lane(replica.newClient());
  }

  /**
   * Queues {@code request} for the log. {@code urgent}: a release another node waits for,
   * which may leave at once in an entry of its own.
   */
  void submit(Request request, boolean urgent) {
    onLoop(() -> {
      Outstanding o = outstanding.get(request.getClientId());
      if (o == null) {
        o = new Outstanding(urgent ? express : main);
        outstanding.put(request.getClientId(), o);
      }
      o.count++;
      o.lane.waiting.add(request);
      if (expected > 0) {
        expected--;
      }
      dispatch();
    });
  }

  /**
   * {@code clients} of this peer were just answered so that they can go on: their next
   * requests are likely on their way, and entries wait a moment for them.
   */
  void expect(int clients) {
    onLoop(() -> {
      expected += clients;
      lingerUntilNanos = System.nanoTime()
          + Math.max(MIN_LINGER_NANOS, Math.min(MAX_LINGER_NANOS, roundTripNanos / 2));
    });
  }

  private void onLoop(Runnable task) {
    if (loop.inEventLoop()) {
      task.run();
    } else {
      loop.execute(task);
    }
  }

  /** Sends what waits on idle lanes, unless expected requests are still due. */
  private void dispatch() {
    if (expected > 0) {
      long wait = lingerUntilNanos - System.nanoTime();
      if (wait > 0) {
        if (!wakeUpScheduled) {
          wakeUpScheduled = true;
          loop.schedule(() -> {
            wakeUpScheduled = false;
            try {
              dispatch();
            } catch (RuntimeException e) {
              // A scheduled task's exception would vanish in its future; say it.
              LOG.error("sending a batch failed", e);
            }
          }, wait, TimeUnit.NANOSECONDS);
        }
        return;
      }
      expected = 0;
    }
    if (!express.inFlight && !express.waiting.isEmpty() && !main.inFlight) {
      // Nothing of main's clients is in flight, so all their outstanding requests wait here
      // and may move over together, in order.
      for (Request r : main.waiting) {
        outstanding.get(r.getClientId()).lane = express;
      }
      express.waiting.addAll(main.waiting);
      main.waiting.clear();
    }
    express.takeOverIfLeading();
    main.takeOverIfLeading();
    express.sendIfIdle();
    main.sendIfIdle();
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
    onLoop(() -> {
      if (!main.inFlight && main.waiting.isEmpty()) {
        main.send(Batch.getDefaultInstance());
      }
    });
  }

  @Override
  public void close() {
    for (Lane lane : List.of(main, express)) {
      try {
        lane.raft.close();
      } catch (IOException e) {
        LOG.warn("closing a Raft client: {}", e.toString());
      }
    }
  }
}
