package org.gfsj.lockd.state;

import java.util.Map;
import java.util.TreeMap;
import org.gfsj.lockd.proto.Reply;
import org.gfsj.lockd.proto.SessionRecord;

/**
 * The replies each client has not yet acknowledged, so that a request retried after a reconnect
 * or a leader change is answered from here instead of being applied twice. A client acknowledges
 * with {@code acked_below} on every request; a request whose seq is below it was answered and
 * received already, so a replay of it is dropped without a reply.
 */
final class ClientSessions {
  /** Bound on a client that never acknowledges; its oldest replies go first. */
  static final int MAX_UNACKED_REPLIES = 4096;

  private static final class Session {
    long ackedBelow;
    final TreeMap<Long, Reply> replies = new TreeMap<>();
  }

  private final Map<Long, Session> sessions = new TreeMap<>();

  /** What to do with a request, before it is applied. */
  enum Verdict { APPLY, REPLAY, DROP }

  Verdict classify(long clientId, long seq) {
    Session s = sessions.get(clientId);
    if (s == null) {
      return Verdict.APPLY;
    }
    if (s.replies.containsKey(seq)) {
      return Verdict.REPLAY;
    }
    return seq < s.ackedBelow ? Verdict.DROP : Verdict.APPLY;
  }

  Reply cached(long clientId, long seq) {
    return sessions.get(clientId).replies.get(seq);
  }

  /** Replies kept for {@code clientId}, in seq order. */
  Iterable<Reply> unacknowledged(long clientId) {
    Session s = sessions.get(clientId);
    return s == null ? java.util.List.of() : s.replies.values();
  }

  void remember(long clientId, long seq, Reply reply) {
    Session s = sessions.computeIfAbsent(clientId, id -> new Session());
    s.replies.put(seq, reply);
    if (s.replies.size() > MAX_UNACKED_REPLIES) {
      s.replies.pollFirstEntry();
    }
  }

  void acknowledge(long clientId, long ackedBelow) {
    Session s = sessions.computeIfAbsent(clientId, id -> new Session());
    if (ackedBelow > s.ackedBelow) {
      s.ackedBelow = ackedBelow;
      s.replies.headMap(ackedBelow).clear();
    }
  }

  /** Forgets a client that is gone for good (left, or recovered after death). */
  void forget(long clientId) {
    sessions.remove(clientId);
  }

  Iterable<SessionRecord> records() {
    return () -> sessions.entrySet().stream()
        .map(e -> SessionRecord.newBuilder()
            .setClientId(e.getKey())
            .setAckedBelow(e.getValue().ackedBelow)
            .addAllReplies(e.getValue().replies.values())
            .build())
        .iterator();
  }

  void restore(SessionRecord record) {
    Session s = new Session();
    s.ackedBelow = record.getAckedBelow();
    for (Reply r : record.getRepliesList()) {
      s.replies.put(r.getSeq(), r);
    }
    sessions.put(record.getClientId(), s);
  }
}
