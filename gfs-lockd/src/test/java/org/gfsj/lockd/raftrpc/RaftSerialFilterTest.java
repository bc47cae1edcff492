package org.gfsj.lockd.raftrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.util.ProtoUtils;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.rocksdb.RocksDBException;

/**
 * The exceptions Ratis sends as Java-serialized bytes come through the filter; a class from
 * elsewhere on the class path, or an object graph nested past any exception's depth, does not.
 */
class RaftSerialFilterTest {
  @Test
  void ratisExceptionWithItsCausesPasses() throws Exception {
    StateMachineException sent = new StateMachineException("apply failed",
        new IOException("snapshot", new RocksDBException("disk full")));
    Object back = read(ProtoUtils.writeObject2ByteString(sent).toByteArray());
    StateMachineException e = assertInstanceOf(StateMachineException.class, back);
    assertEquals("disk full", e.getCause().getCause().getMessage());
  }

  @Test
  void classFromOutsideTheAllowedPackagesIsRefused() {
    StateMachineException sent = new StateMachineException("apply failed",
        new AssertionFailedError("not an exception Ratis sends"));
    InvalidClassException e = assertThrows(InvalidClassException.class,
        () -> read(ProtoUtils.writeObject2ByteString(sent).toByteArray()));
    assertEquals("filter status: REJECTED", e.getMessage());
  }

  @Test
  void graphNestedPastTheDepthLimitIsRefused() {
    List<Object> outer = new ArrayList<>();
    List<Object> inner = outer;
    for (int i = 0; i < 100; i++) {
      List<Object> next = new ArrayList<>();
      inner.add(next);
      inner = next;
    }
    assertThrows(InvalidClassException.class,
        () -> read(ProtoUtils.writeObject2ByteString(outer).toByteArray()));
  }

  private static Object read(byte[] bytes) throws Exception {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      in.setObjectInputFilter(RaftSerialFilter.FILTER);
      return in.readObject();
    }
  }
}
