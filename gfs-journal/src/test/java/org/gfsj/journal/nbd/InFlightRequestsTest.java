package org.gfsj.journal.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class InFlightRequestsTest {
  private final InFlightRequests table = new InFlightRequests();

  @Test
  void handlesAreUniqueAndNeverReused() {
    NbdRequest a = NbdRequest.flush(0);
    NbdRequest b = NbdRequest.flush(0);
    table.add(a);
    table.remove(a.handle);
    table.add(b);
    assertTrue(b.handle > a.handle);
  }

  @Test
  void expiredRequestOnTheLiveConnectionStaysToFrameItsLateReply() {
    NbdRequest sent = NbdRequest.read(0, ByteBuffer.allocate(512), 100);
    NbdRequest waiting = NbdRequest.read(0, ByteBuffer.allocate(512), 100);
    NbdRequest fresh = NbdRequest.flush(1000);
    table.add(sent);
    table.add(waiting);
    table.add(fresh);
    sent.sentOn = 1;
    List<NbdRequest> expired = table.expire(200, 1);
    assertEquals(List.of(sent, waiting), expired.stream()
        .sorted((x, y) -> Long.compare(x.handle, y.handle)).toList());
    assertEquals(512, table.payloadLength(sent.handle), "still framed");
    assertEquals(-1, table.payloadLength(waiting.handle), "never sent: forgotten");
    assertTrue(table.expire(300, 1).isEmpty(), "expires once");
  }

  @Test
  void unansweredAreOldestFirstWithoutAbandoned() {
    NbdRequest a = NbdRequest.flush(0);
    NbdRequest b = NbdRequest.flush(0);
    NbdRequest c = NbdRequest.flush(0);
    table.add(a);
    table.add(b);
    table.add(c);
    b.abandoned = true;
    assertEquals(List.of(a, c), table.unanswered());
    assertEquals(2, table.size());
  }
}
