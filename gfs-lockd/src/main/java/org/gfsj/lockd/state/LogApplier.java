package org.gfsj.lockd.state;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.gfsj.lockd.core.Answer;
import org.gfsj.lockd.core.Compatibility;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.LockSpace;
import org.gfsj.lockd.core.Member;
import org.gfsj.lockd.core.MemberState;
import org.gfsj.lockd.core.Outbox;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.proto.Batch;
import org.gfsj.lockd.proto.Blocking;
import org.gfsj.lockd.proto.Dump;
import org.gfsj.lockd.proto.Event;
import org.gfsj.lockd.proto.FenceResult;
import org.gfsj.lockd.proto.Granted;
import org.gfsj.lockd.proto.Holding;
import org.gfsj.lockd.proto.PeerEndpoint;
import org.gfsj.lockd.proto.Reply;
import org.gfsj.lockd.proto.Request;
import org.gfsj.lockd.proto.ServerFrame;
import org.gfsj.lockd.proto.Status;

/**
 * Applies Raft log entries ({@link Batch}es) to the {@link LockSpace} and the client sessions, and
 * turns the outcome into the frames the clients are sent: one reply per request (a retried request
 * gets its first reply again) and the granted/blocking events, in log order. Like the lock space
 * it is a pure function of the entries; it is not thread-safe.
 */
public final class LogApplier {
  /** Lock value blocks are small by design (GFS2 uses 32 bytes); more is a client bug. */
  public static final int MAX_VALUE_BLOCK = 64;
  static final int MAX_NODE_NAME = 64;
  /** LEFT members (and their sessions) remembered, for retried leaves and for tools. */
  static final int LEFT_MEMBERS_KEPT = 64;

  private final LockSpace space;
  private final ClientSessions sessions = new ClientSessions();
  /** Each peer's client address, as it stamped it into the last entry it accepted as leader. */
  private final Map<String, PeerEndpoint> clientEndpoints = new TreeMap<>();

  public LogApplier(Compatibility compatibility) {
    this.space = new LockSpace(compatibility);
  }

  /** The lock space, for read-only views (dumps, lease checks) under the caller's lock. */
  public LockSpace space() {
    return space;
  }

  /** Applies one entry; returns the frames for clients, in order. */
  public List<ServerFrame> apply(Batch batch) {
    List<ServerFrame> frames = new ArrayList<>();
    Outbox out = new FrameOutbox(frames);
    space.advanceClock(batch.getLeaderTimeMillis());
    if (batch.hasLeaderEndpoint()) {
      clientEndpoints.put(batch.getLeaderEndpoint().getPeerId(), batch.getLeaderEndpoint());
    }
    for (FenceResult f : batch.getFenceResultsList()) {
      space.fenceResult(f.getClientId(), f.getSuccess(), f.getDetail(), out);
    }
    if (batch.getExpireLeases()) {
      space.expireLeases();
    }
    if (batch.getExpireLeasesOfCount() > 0) {
      space.expireLeases(batch.getExpireLeasesOfList());
    }
    for (Request request : batch.getRequestsList()) {
      long client = request.getClientId();
      switch (sessions.classify(client, request.getSeq())) {
        case REPLAY -> frames.add(replyFrame(sessions.cached(client, request.getSeq())));
        case DROP -> { }
        case APPLY -> {
          Reply reply = execute(request, out);
          if (remembered(request)) {
            sessions.remember(client, request.getSeq(), reply);
          }
          frames.add(replyFrame(reply));
        }
      }
      sessions.acknowledge(client, request.getAckedBelow());
    }
    space.forgetLeftMembers(LEFT_MEMBERS_KEPT).forEach(sessions::forget);
    return frames;
  }

  /** Where peer {@code peerId} takes clients, as it said while leading; null if never. */
  public PeerEndpoint clientEndpoint(String peerId) {
    return clientEndpoints.get(peerId);
  }

  /** Renewals and resyncs are safe to run twice; everything else is answered once. */
  private static boolean remembered(Request request) {
    return request.getOpCase() != Request.OpCase.RENEW
        && request.getOpCase() != Request.OpCase.RESYNC;
  }

  private Reply execute(Request request, Outbox out) {
    long client = request.getClientId();
    Reply.Builder reply = Reply.newBuilder().setClientId(client).setSeq(request.getSeq());
    if (request.getSeq() == 0) {
      return refuse(reply, "request without a sequence number; sequence numbers start at 1");
    }
    switch (request.getOpCase()) {
      case REGISTER -> {
        String name = request.getRegister().getNodeName();
        if (name.length() > MAX_NODE_NAME) {
          return refuse(reply, "node name longer than " + MAX_NODE_NAME + " characters");
        }
        List<Long> earlier = new ArrayList<>();
        for (Member m : space.members()) {
          if (m.name().equals(name) && m.clientId() != client) {
            earlier.add(m.clientId());
          }
        }
        Answer a = space.register(client, name, request.getRegister().getLeaseMillis());
        if (a.status() == Answer.Status.OK) {
          earlier.forEach(sessions::forget);
          reply.setSlot(space.member(client).slot());
        }
        return answer(reply, a);
      }
      case LOCK -> {
        var lock = request.getLock();
        LockMode mode = WireTypes.mode(lock.getMode());
        if (mode == null || !lock.hasResource()) {
          return refuse(reply, "lock request without a known mode or a resource");
        }
        return answer(reply, space.lock(client, WireTypes.resource(lock.getResource()), mode,
            lock.getNoqueue(), out));
      }
      case CONVERT -> {
        var convert = request.getConvert();
        LockMode mode = WireTypes.mode(convert.getMode());
        if (mode == null || !convert.hasResource()) {
          return refuse(reply, "convert request without a known mode or a resource");
        }
        if (convert.getValueBlock().size() > MAX_VALUE_BLOCK) {
          return refuse(reply, "value block over " + MAX_VALUE_BLOCK + " bytes");
        }
        byte[] lvb = convert.hasValueBlock() ? convert.getValueBlock().toByteArray() : null;
        return answer(reply, space.convert(client, WireTypes.resource(convert.getResource()),
            mode, convert.getNoqueue(), lvb, out));
      }
      case UNLOCK -> {
        var unlock = request.getUnlock();
        if (!unlock.hasResource()) {
          return refuse(reply, "unlock request without a resource");
        }
        if (unlock.getValueBlock().size() > MAX_VALUE_BLOCK) {
          return refuse(reply, "value block over " + MAX_VALUE_BLOCK + " bytes");
        }
        byte[] lvb = unlock.hasValueBlock() ? unlock.getValueBlock().toByteArray() : null;
        return answer(reply, space.unlock(client, WireTypes.resource(unlock.getResource()), lvb,
            out));
      }
      case RENEW -> {
        return answer(reply, space.renew(client));
      }
      case RESYNC -> {
        Member m = space.member(client);
        if (m == null || m.state() != MemberState.LIVE) {
          return refuse(reply, "node is not LIVE; register again as a new client");
        }
        for (LockSpace.Holding h : space.holdingsOf(client)) {
          Holding.Builder b = Holding.newBuilder()
              .setResource(WireTypes.resource(h.resource()))
              .setValueBlock(ByteString.copyFrom(h.valueBlock()))
              .setValueBlockInvalid(!h.valueBlockValid());
          if (h.granted() != null) {
            b.setGranted(WireTypes.mode(h.granted()));
          }
          if (h.requested() != null) {
            b.setRequested(WireTypes.mode(h.requested()));
          }
          h.blockedModes().forEach(mode -> b.addBlockedModes(WireTypes.mode(mode)));
          reply.addHoldings(b);
        }
        reply.addAllUnacknowledged(sessions.unacknowledged(client));
        return reply.setStatus(Status.OK).build();
      }
      case LEAVE -> {
        return answer(reply, space.leave(client, out));
      }
      case JOURNAL_RECOVERED -> {
        return answer(reply,
            space.journalRecovered(client, request.getJournalRecovered().getSlot(), out));
      }
      default -> {
        return refuse(reply, "request without an operation; is the client newer than lockd?");
      }
    }
  }

  private static Reply answer(Reply.Builder reply, Answer a) {
    reply.setStatus(Status.forNumber(a.status().ordinal())).setError(a.error());
    if (a.status() == Answer.Status.GRANTED) {
      reply.setMode(WireTypes.mode(a.mode()))
          .setValueBlock(ByteString.copyFrom(a.valueBlock()))
          .setValueBlockInvalid(!a.valueBlockValid());
    }
    return reply.build();
  }

  private static Reply refuse(Reply.Builder reply, String why) {
    return reply.setStatus(Status.REFUSED).setError(why).build();
  }

  private static ServerFrame replyFrame(Reply reply) {
    return ServerFrame.newBuilder().setReply(reply).build();
  }

  /** Writes the whole state, in a fixed order, as snapshot records. */
  public void writeTo(StateSink sink) {
    SnapshotRecords.write(space, sessions, clientEndpoints.values(), sink);
  }

  /** Members and resources as records, for {@code gfs-tool lockdump} and {@code nodes}. */
  public Dump dump() {
    Dump.Builder d = Dump.newBuilder().setLeaderTimeMillis(space.now());
    space.members().forEach(m -> d.addMembers(SnapshotRecords.member(m)));
    space.resources().forEach(r -> d.addResources(SnapshotRecords.resource(r)));
    return d.build();
  }

  /** SHA-256 over the snapshot records: equal on replicas that applied the same log. */
  public byte[] digest() {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM lacks SHA-256", e);
    }
    writeTo((key, value) -> {
      sha.update(key);
      sha.update(value);
    });
    return sha.digest();
  }

  /** Replaces nothing: call on a fresh applier only. */
  public void restore(Iterable<StateSink.Entry> records) {
    SnapshotRecords.read(records, space, sessions,
        e -> clientEndpoints.put(e.getPeerId(), e));
  }

  private static final class FrameOutbox implements Outbox {
    private final List<ServerFrame> frames;

    FrameOutbox(List<ServerFrame> frames) {
      this.frames = frames;
    }

    @Override
    public void granted(long owner, ResourceName resource, LockMode mode, byte[] valueBlock,
        boolean valueBlockValid) {
      frames.add(ServerFrame.newBuilder().setEvent(Event.newBuilder().setClientId(owner)
          .setGranted(Granted.newBuilder()
              .setResource(WireTypes.resource(resource))
              .setMode(WireTypes.mode(mode))
              .setValueBlock(ByteString.copyFrom(valueBlock))
              .setValueBlockInvalid(!valueBlockValid)))
          .build());
    }

    @Override
    public void blocking(long owner, ResourceName resource, LockMode wanted) {
      frames.add(ServerFrame.newBuilder().setEvent(Event.newBuilder().setClientId(owner)
          .setBlocking(Blocking.newBuilder()
              .setResource(WireTypes.resource(resource))
              .setWanted(WireTypes.mode(wanted))))
          .build());
    }
  }

  static byte[] key(char kind, long ordinal) {
    return ByteBuffer.allocate(9).put((byte) kind).putLong(ordinal).array();
  }
}
