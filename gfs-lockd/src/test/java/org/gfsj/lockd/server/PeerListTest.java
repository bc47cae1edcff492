package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The --peers list that peers, clients and tools share, with or without client ports. */
class PeerListTest {
  @Test
  void aClientPortAfterTheSlashWinsOverTheDefaultOffset() {
    PeerList list = PeerList.parse("n2=10.0.0.2:7400,n1=10.0.0.1:7400/7600");
    assertEquals(7600, list.clientPort("n1"));
    assertEquals(7401, list.clientPort("n2"));
    assertEquals(7400, list.raft().get("n1").getPort(), "the Raft port stays the one before it");
    assertEquals(List.of(InetSocketAddress.createUnresolved("10.0.0.1", 7600),
        InetSocketAddress.createUnresolved("10.0.0.2", 7401)), list.clientAddresses());
  }

  @Test
  void badPortsAndDuplicatesAreRefusedWithTheFormInTheMessage() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PeerList.parse("n1=h:7400/x"));
    assertTrue(e.getMessage().contains("n1=h:7400/x"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PeerList.parse("n1"));
    assertTrue(e.getMessage().contains("ID=HOST:PORT/CLIENTPORT"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PeerList.parse("n1=h:1,n1=h:2"));
  }
}
